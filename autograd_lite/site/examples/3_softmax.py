# title: Softmax cross-entropy on three logits
from autograd_lite import Value, show, softmax, softmax_cross_entropy

logits = [Value(2.0, label="z0"), Value(1.0, label="z1"), Value(-0.5, label="z2")]
loss = softmax_cross_entropy(logits, 0)  # -log softmax(z)[0]
loss.backward()
show(loss)  # the Value to draw (else: the last name bound to a Value, here z)
p = softmax([z.data for z in logits])
for i, z in enumerate(logits):
    # dL/dz_i = p_i - y_i: the well-known gradient of softmax cross-entropy
    print(f"{z.label}: grad {z.grad:+.6f}   p - y = {p[i] - (i == 0):+.6f}")
