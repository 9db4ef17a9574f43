# title: The seed's 2-2-2 network: autodiff beside BP1-BP4
from autograd_lite import show
from autograd_lite.closed_form import compare
from autograd_lite.nn import MLP

# Mazur's worked example: 2 inputs, 2 sigmoid hidden neurons, 2 sigmoid outputs, quadratic cost.
model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
weights = {2: [[0.15, 0.20], [0.25, 0.30]], 3: [[0.40, 0.45], [0.50, 0.55]]}
biases = {2: [0.35, 0.35], 3: [0.60, 0.60]}
for l in (2, 3):
    for j, neuron in enumerate(model.layers[l - 2].neurons):
        neuron.b.data = biases[l][j]
        for k, w in enumerate(neuron.w):
            w.data = weights[l][j][k]
x, y = [0.05, 0.10], [0.01, 0.99]

report = compare(model, x, y)  # delta = z.grad (autodiff) vs BP1/BP2; dC/dw, dC/db vs BP3/BP4
print(report)
cost = model.sample_cost(x, y)  # C_x = 1/2 sum_j (y_j - a_j)^2, eq. (5)
cost.backward()
show(cost)
