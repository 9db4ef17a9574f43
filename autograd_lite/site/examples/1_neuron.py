# title: One neuron (README's "Ten lines")
from autograd_lite import Value

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
z = x1 * w1 + x2 * w2 + b          # eq. (2): the weighted input
a = z.tanh()                        # eq. (1) with sigma = tanh
a.backward()
print(a.data, z.grad)               # 0.7071..., delta = da/dz = 0.5   (eq. 14)
print(w1.grad, x1.data * z.grad)    # da/dw1 = a_prev * delta = 1.0    (eq. 15)
