# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Handwritten digits, Nielsen style, one scalar at a time
#
# Nielsen's first network (ch. 1 of *Neural Networks and Deep Learning*)
# classifies MNIST digits with a sigmoid network trained by mini-batch
# stochastic gradient descent. Here the same recipe runs on scikit-learn's
# bundled 8×8 digits (1797 images, no download) with every weight a `Value`:
#
# * input a^1 = x: the 64 pixels scaled to [0, 1];
# * one hidden layer of 32 sigmoid neurons and 10 sigmoid outputs, eqs. (1)–(3);
# * target y: the one-hot vector of the digit, prediction: argmax_j a^L_j;
# * mini-batches of m = 10 samples: C = (1/m) Σ_x C_x (eq. 4), then one step
#   w → w − (η/m) Σ_x ∂C_x/∂w, b → b − (η/m) Σ_x ∂C_x/∂b (eqs. 8–9).
#
# The cost is Nielsen's cross-entropy (his ch. 3),
# C_x = −Σ_j [y_j ln a^L_j + (1 − y_j) ln(1 − a^L_j)]. With sigmoid outputs its
# BP1 (eq. 20) is δ^L_j = a^L_j − y_j: the σ'(z^L_j) factor of the quadratic
# cost's δ^L (eq. 17) cancels, so saturated output neurons still learn. In
# trials when this demo was written, 4 epochs of the quadratic cost (eq. 5) with
# Nielsen's η = 3 reached about 92% held-out accuracy, the cross-entropy 95–97%.
#
# Run with `--quick` for a smoke run (a few hundred samples, one epoch).

# %%
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from autograd_lite import no_grad
from autograd_lite.demos._common import fast_mode, quick_mode
from autograd_lite.nn import MLP, accuracy, loss, train

QUICK = quick_mode()
FAST = fast_mode()  # --fast: train(tape=True) replays one recorded Tape per batch size
HIDDEN, COST, ETA, BATCH_SIZE = 32, "cross_entropy", 1.0, 10
EPOCHS = 1 if QUICK else 4

# %% [markdown]
# ## Data: 8×8 images, pixels 0…16 scaled to [0, 1], one-hot targets
#
# A stratified split: 75% to train on, 25% held out and never trained on.

# %%
digits = load_digits()
X = (digits.data / 16.0).tolist()  # a^1 = x, 64 numbers in [0, 1]
labels = [int(t) for t in digits.target]
Y = [[1.0 if j == t else 0.0 for j in range(10)] for t in labels]  # one-hot y

X_train, X_test, Y_train, Y_test, labels_train, labels_test = train_test_split(
    X, Y, labels, test_size=0.25, random_state=0, stratify=labels)
if QUICK:
    X_train, Y_train = X_train[:300], Y_train[:300]
    X_test, Y_test, labels_test = X_test[:100], Y_test[:100], labels_test[:100]
print(f"{len(X_train)} training images, {len(X_test)} held out{' (quick mode)' if QUICK else ''}")


def show(pixels: list[float]) -> list[str]:
    """An 8×8 image as 8 lines of text, darker pixels as denser characters."""
    shades = " .:-=+*#%@"
    return ["".join(shades[min(9, int(p * 10))] * 2 for p in pixels[r * 8:(r + 1) * 8]) for r in range(8)]


print("the first training image, a", Y_train[0].index(1.0))
print("\n".join(show(X_train[0])))

# %% [markdown]
# ## The network
#
# `init="xavier"` draws each weight from U(±√(6/(n_in + n_out))), which keeps
# the sigmoids away from saturation at the start; biases start at 0.

# %%
model = MLP(64, [HIDDEN, 10], activation="sigmoid", output_activation="sigmoid", init="xavier", seed=0)
print(model)
with no_grad():
    print(f"held-out accuracy before training: {accuracy(model, X_test, Y_test) * 100:.1f}% (chance: 10%)")

# %% [markdown]
# ## Training: mini-batch SGD, eqs. (8)–(9)
#
# `autograd_lite.nn.train` shuffles the training set each epoch, and for every
# mini-batch builds the graph of C, calls `C.backward()` and takes one step.
# One call per epoch, so each epoch's numbers print as they come.

# %%
print(f"cost {COST}, η = {ETA}, mini-batch size {BATCH_SIZE}, {EPOCHS} epoch(s)")
print(f"{'epoch':>5}{'mean batch cost':>17}{'train acc':>11}{'held-out acc':>14}{'seconds':>9}")
train_started = time.perf_counter()
for epoch in range(1, EPOCHS + 1):
    record = train(model, X_train, Y_train, cost=COST, epochs=1, batch_size=BATCH_SIZE, lr=ETA,
                   seed=epoch, validation=(X_test, Y_test), tape=FAST)[0]
    print(f"{epoch:>5}{record['loss']:>17.4f}{record['accuracy'] * 100:>10.1f}%"
          f"{record['validation_accuracy'] * 100:>13.1f}%{time.perf_counter() - train_started:>9.1f}")
train_seconds = time.perf_counter() - train_started
held_out = record["validation_accuracy"]

# %% [markdown]
# ## Results on the held-out images

# %%
def predict(x: list[float]) -> int:
    """The digit the network reads: argmax_j a^L_j."""
    with no_grad():
        outputs = [a.data for a in model.forward(x)]
    return outputs.index(max(outputs))


predictions = [predict(x) for x in X_test]
print("per digit, held-out accuracy:")
for digit in range(10):
    cases = [p == t for p, t in zip(predictions, labels_test) if t == digit]
    if cases:
        print(f"  {digit}: {sum(cases):3d}/{len(cases):<3d} {sum(cases) / len(cases) * 100:5.1f}%")

wrong = [i for i, (p, t) in enumerate(zip(predictions, labels_test)) if p != t]
if wrong:
    i = wrong[0]
    print(f"a held-out image it gets wrong: a {labels_test[i]}, read as a {predictions[i]}")
    print("\n".join(show(X_test[i])))

# %%
n_params = len(model.parameters())
print(f"held-out accuracy {held_out * 100:.1f}% after {EPOCHS} epoch(s) "
      f"({len(X_train)} training images, {n_params} parameters, every one a Value)")
print(f"runtime: training {train_seconds:.1f} s{' with the tape' if FAST else ''}")
if FAST:
    # How much faster? Time the eager build + backward of a few batches on a copy.
    import copy

    twin, batches = copy.deepcopy(model), 10
    started = time.perf_counter()
    for b in range(batches):
        batch = slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE)
        twin.zero_grad()
        loss(twin, X_train[batch], Y_train[batch], COST).backward()
    eager_epoch = (time.perf_counter() - started) / batches * (len(X_train) / BATCH_SIZE)
    print(f"an eager epoch's batches take about {eager_epoch:.1f} s; the tape's epochs took "
          f"{train_seconds / EPOCHS:.1f} s each, accuracy included: "
          f"{eager_epoch / (train_seconds / EPOCHS):.1f}x faster")
if not QUICK:
    assert held_out >= 0.90, f"held-out accuracy {held_out:.3f} < 90%"
