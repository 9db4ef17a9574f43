# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Gradient checking: catching wrong derivatives before they waste a training run
#
# A wrong gradient rarely crashes anything: the network still trains, only
# worse, and you may never find out why. A gradient check compares a gradient
# with an independent one, entry by entry. `autograd_lite` offers three:
#
# * `check_grad(f, grad_fn, params)`: *your* gradient (`grad_fn`, plain floats)
#   beside the engine's gradient of `f` and central finite differences, as a
#   table; for hand-written backprop.
# * `gradcheck(f, inputs)`: the engine's own gradient of `f` (so also every op
#   you added with `define_op`) against finite differences; raises
#   `GradcheckError` naming the worst entry.
# * `gradgradcheck(f, inputs)`: the same for second derivatives: it differentiates
#   the *gradient graph* (`create_graph=True`) and compares with finite
#   differences of the first derivative.
#
# Three classic mistakes, one per section, each caught and then fixed:
#
# 1. a student's BP1–BP4 (eqs. 20–23 of the seed note) with the σ′(z) factor
#    forgotten in BP2 (eq. 21);
# 2. a custom op whose derivative has a typo (softplus′ = σ(−x) instead of σ(x));
# 3. a custom op whose derivative has the right *value* but is computed on
#    plain floats, cut off from the graph: invisible to `gradcheck`, caught by
#    `gradgradcheck`.

# %%
import math
import time

from autograd_lite import (
    GradcheckError,
    Value,
    check_grad,
    cos,
    define_op,
    grad,
    gradcheck,
    gradgradcheck,
    sigmoid,
)

started = time.perf_counter()

# %% [markdown]
# ## 1. A student's backprop, checked with `check_grad`
#
# A 2-3-1 network, σ = sigmoid in both layers, the quadratic cost of eq. (5),
# C_x = ½ Σ_j (y_j − a^L_j)², one sample (x, y). In the note's numbering the
# input is layer 1, the hidden layer is l = 2 and the output layer is l = L = 3.
#
# All 13 parameters live in one flat vector, in this order (indices from 1, as
# in the note): w^2_{11}, w^2_{12}, w^2_{21}, …, w^2_{32}, then b^2_1 … b^2_3,
# then w^3_{11} … w^3_{13}, then b^3_1.

# %%
SIZES = [2, 3, 1]  # neurons in layers 1 (input), 2 (hidden), 3 (output)
L = len(SIZES)  # the output layer's number
x, y = [0.5, -1.0], [0.9]

# w^l_{jk} (row j = neuron j of layer l, column k = neuron k of layer l-1), and b^l_j
weights = {2: [[0.15, -0.40], [0.60, 0.25], [-0.30, 0.80]], 3: [[0.70, -0.50, 0.90]]}
biases = {2: [0.10, -0.20, 0.05], 3: [-0.10]}

names: list[str] = []  # the note's name of each entry
where: list[tuple[int, int]] = []  # (layer l, neuron j) each entry belongs to
params: list[float] = []
for l in range(2, L + 1):
    for j, row in enumerate(weights[l], start=1):
        for k, w in enumerate(row, start=1):
            names.append(f"w^{l}_{j}{k}")
            where.append((l, j))
            params.append(w)
    for j, b in enumerate(biases[l], start=1):
        names.append(f"b^{l}_{j}")
        where.append((l, j))
        params.append(b)


def unflatten(flat):
    """The flat vector back into {l: w^l}, {l: b^l} (works for floats and for Values)."""
    w, b, i = {}, {}, 0
    for l in range(2, L + 1):
        rows, cols = SIZES[l - 1], SIZES[l - 2]
        w[l] = [list(flat[i + j * cols: i + (j + 1) * cols]) for j in range(rows)]
        i += rows * cols
        b[l] = list(flat[i: i + rows])
        i += rows
    return w, b


print(f"{len(params)} parameters: {', '.join(names)}")

# %% [markdown]
# `f(*params)` is the cost C_x built from autograd_lite Values: eqs. (2)–(3)
# layer by layer, then eq. (5). `check_grad` differentiates it with the engine
# and with finite differences; the student never sees this code.

# %%
def cost(*flat):
    """C_x = ½ Σ_j (y_j − a^L_j)² (eq. 5), with a^l = σ(w^l a^{l-1} + b^l) (eqs. 2-3)."""
    w, b = unflatten(flat)
    a = x  # a^1 = x
    for l in range(2, L + 1):
        a = [sigmoid(b_j + sum(w_jk * a_k for w_jk, a_k in zip(row, a)))
             for row, b_j in zip(w[l], b[l])]
    return 0.5 * sum((y_j - a_j) ** 2 for y_j, a_j in zip(y, a))


print(f"C_x = {cost(*[Value(p) for p in params]).data:.10f}")

# %% [markdown]
# The student's code: plain floats, no graph, straight from the equations.
# Forward pass (eqs. 2–3), BP1 (eq. 20) for the output error, BP2 (eq. 21)
# back to the hidden layer, BP3 and BP4 (eqs. 22–23) for the gradients.
#
# The mistake is in BP2. Eq. (21) reads δ^l_j = Σ_k w^{l+1}_{kj} δ^{l+1}_k σ′(z^l_j);
# the student typed δ^l_j = Σ_k w^{l+1}_{kj} δ^{l+1}_k, forgetting σ′(z^l_j).
# (The flag `fixed` restores the factor; the student's version has it off.)

# %%
def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def sig_prime(z: float) -> float:
    return sig(z) * (1.0 - sig(z))


def student_gradient(*flat: float, fixed: bool = False) -> list[float]:
    """∂C_x/∂(every parameter) by BP1-BP4, in the order of `names`."""
    w, b = unflatten(flat)
    z, a = {}, {1: x}
    for l in range(2, L + 1):  # eqs. (2)-(3)
        z[l] = [sum(w[l][j][k] * a[l - 1][k] for k in range(SIZES[l - 2])) + b[l][j]
                for j in range(SIZES[l - 1])]
        a[l] = [sig(z_j) for z_j in z[l]]
    delta = {L: [(a[L][j] - y[j]) * sig_prime(z[L][j]) for j in range(SIZES[L - 1])]}  # BP1, eq. (20)
    for l in range(L - 1, 1, -1):  # BP2, eq. (21)
        backflow = [sum(w[l + 1][k][j] * delta[l + 1][k] for k in range(SIZES[l]))
                    for j in range(SIZES[l - 1])]
        if fixed:
            delta[l] = [backflow[j] * sig_prime(z[l][j]) for j in range(SIZES[l - 1])]
        else:
            delta[l] = backflow  # <-- the mistake: σ'(z^l_j) forgotten
    gradient = []
    for l in range(2, L + 1):
        gradient += [a[l - 1][k] * delta[l][j]  # BP4, eq. (23)
                     for j in range(SIZES[l - 1]) for k in range(SIZES[l - 2])]
        gradient += delta[l]  # BP3, eq. (22)
    return gradient


report = check_grad(cost, student_gradient, params)
print(report)
assert not report.ok, "the student's mistake went unnoticed"

# %% [markdown]
# The report's rows are numbered like the flat vector. In the note's notation,
# the wrong entries are:

# %%
wrong = [names[i] for i in report.mismatches]
hidden = [i for i, (l, _) in enumerate(where) if l == 2]  # w^2_{jk} and b^2_j
print("wrong:", ", ".join(wrong))
print("right:", ", ".join(name for i, name in enumerate(names) if i not in report.mismatches))
assert report.mismatches == hidden, "expected exactly the hidden layer's entries to be wrong"
print("-> exactly the hidden layer (l = 2) is wrong; the output layer (BP1, BP3, BP4 at l = L) is right.")

# %% [markdown]
# That already points at BP2, the only step between the two layers. The
# ratio yours / autodiff narrows it further: for every parameter of hidden
# neuron j (w^2_{j1}, w^2_{j2}, b^2_j) it is one and the same number,
# 1/σ′(z^2_j). By BP3–BP4 all three are δ^2_j times something right, so it is
# δ^2_j that is off, and off by exactly the factor σ′(z^2_j).

# %%
w, b = unflatten(params)
for j in range(SIZES[1]):
    z_j = sum(w[2][j][k] * x[k] for k in range(SIZES[0])) + b[2][j]
    mine = [i for i, neuron in enumerate(where) if neuron == (2, j + 1)]
    ratios = [report.yours[i] / report.autodiff[i] for i in mine]
    print(f"neuron j={j + 1}: yours/autodiff for {', '.join(names[i] for i in mine)} = "
          f"{', '.join(f'{r:.6f}' for r in ratios)};  1/σ'(z^2_{j + 1}) = {1 / sig_prime(z_j):.6f}")
    assert all(abs(r - 1 / sig_prime(z_j)) < 1e-9 for r in ratios)

# %% [markdown]
# The fix: put σ′(z^l_j) back into BP2, as eq. (21) has it.

# %%
report = check_grad(cost, lambda *flat: student_gradient(*flat, fixed=True), params)
print(report)
assert report.ok, "the fixed backprop still disagrees"
worst = max(abs(yours - auto) for yours, auto in zip(report.yours, report.autodiff))
print(f"fixed: BP1-BP4 agree with autodiff (max |diff| {worst:.1e}) and with finite differences")

# %% [markdown]
# ## 2. A custom op with a typo in its derivative, caught by `gradcheck`
#
# softplus(x) = log(1 + eˣ), whose derivative is σ(x). `define_op` takes the
# forward function on floats and the partials, written with autograd_lite's
# functions (`sigmoid`, `cos`, …) so they work on floats and on Values. The
# typo: σ(−x) instead of σ(x). `define_op` adds the op to the global rule table,
# so every name can be used once per process (hence the `demo_` prefixes).

# %%
def softplus_forward(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # log(1 + e^x) without overflow


softplus_typo = define_op("demo_softplus_typo", softplus_forward, lambda x, out: (sigmoid(-x),))
softplus = define_op("demo_softplus", softplus_forward, lambda x, out: (sigmoid(x),))

points = [-1.5, 0.3, 2.0]


def three_softplus_typo(a, b, c):
    return softplus_typo(a) + 2 * softplus_typo(b) - softplus_typo(c)


def three_softplus(a, b, c):
    return softplus(a) + 2 * softplus(b) - softplus(c)


try:
    gradcheck(three_softplus_typo, points)
except GradcheckError as error:
    print(f"GradcheckError: {error}")
else:
    raise AssertionError("gradcheck missed the typo")

assert gradcheck(three_softplus, points) and gradgradcheck(three_softplus, points)
print(f"corrected softplus' = σ(x): gradcheck and gradgradcheck pass at {points}")

# %% [markdown]
# A warning about *where* to check: σ(−0) = σ(0), so at x = 0 the typo is
# invisible. Check at a few generic points, never only at 0 or 1.

# %%
assert gradcheck(softplus_typo, [0.0])
print("gradcheck(softplus_typo, [0.0]) passes: the typo hides at the symmetric point x = 0")

# %% [markdown]
# ## 3. A "detached" partial: right value, wrong graph
#
# A custom sin whose partial is `math.cos(float(x))`: numerically cos(x), so
# every first derivative is right and `gradcheck` passes. But under
# `create_graph=True` (what `grad(grad(f))`, `hessian` and `gradgradcheck` use)
# the partial is evaluated on Values, and `float(x)` turns x into a plain number:
# the partial is cut off from the graph, a constant as far as the engine can
# see. So the derivative of the derivative comes out as 0, not −sin(x).

# %%
sin_detached = define_op("demo_sin_detached", math.sin, lambda x, out: (math.cos(float(x)),))
sin_graph = define_op("demo_sin", math.sin, lambda x, out: (cos(x),))  # autograd_lite.cos: a node


def wave_detached(u, v):
    return sin_detached(u) * v


def wave(u, v):
    return sin_graph(u) * v


at = [0.7, 1.3]
assert gradcheck(wave_detached, at)
print(f"gradcheck(sin_detached(u)·v, {at}) passes: the first derivatives are right")
try:
    gradgradcheck(wave_detached, at)
except GradcheckError as error:
    print(f"GradcheckError: {error}")
else:
    raise AssertionError("gradgradcheck missed the detached partial")

# %% [markdown]
# Only ∂²f/∂u² is wrong: ∂f/∂u = cos(u)·v is a graph in v (v is a Value) but a
# constant in u, so ∂²f/∂u∂v = cos(u) is still right while ∂²f/∂u² = 0 instead
# of −sin(u)·v. Nesting `grad` shows the same zero directly:

# %%
u0 = 0.7
second_detached = grad(grad(sin_detached))(u0)
second = grad(grad(sin_graph))(u0)
print(f"d²/du² at u = {u0}: detached {second_detached:.6f}, with autograd_lite.cos {second:.6f}, "
      f"-sin(u) = {-math.sin(u0):.6f}")
assert second_detached == 0.0 and abs(second + math.sin(u0)) < 1e-12

assert gradcheck(wave, at) and gradgradcheck(wave, at)
print(f"sin with partial autograd_lite.cos(x): gradcheck and gradgradcheck pass at {at}")

# %%
print(f"runtime: {time.perf_counter() - started:.2f} s")
