# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A GPT on autograd_lite
#
# A character-level language model of the shape of Karpathy's microgpt, trained
# one name at a time on the scalar engine: every number of the model is a
# `Value`, and one training step is a graph of tens of thousands of nodes.
#
# - **Data**: the first names bundled with the `names` package (US census lists),
#   lower-cased, de-duplicated, shuffled with a seed; read from the installed
#   package, nothing downloaded. A name is a sequence of character tokens between
#   two begin/end tokens (`.`): `.emma.`.
# - **Model** (`autograd_lite.demos._gpt_model`, written once over any scalar
#   Value class; benchmark W6 runs the same code on another engine): token and
#   position embeddings, RMSNorm, one layer of 4-head causal self-attention that
#   reads a cache of the keys and values of the positions before (a KV cache),
#   an MLP block, residual connections, a linear head; the loss is the mean
#   cross-entropy −log softmax(logits)[next token] over the positions of the name.
# - **Training**: Adam, learning rate decaying linearly to 0.
#
# `--quick` is a small, short run for the tests. `--fast` trains through tapes:
# one `autograd_lite.tape.Tape` per sequence length, recorded once and replayed
# for every name of that length. The tokens and targets then enter the graph as
# leaves (one-hot rows multiplied into the embedding and weighting the terms of the cross-entropy),
# not as Python indices that pick parameters, so the graph depends only on the
# length; the softmax family stands on `logsumexp`, an op of the rule table that
# takes its max shift inside the op (no number from the data frozen into the graph). The replay gives the
# eager graph's numbers bit for bit (checked below on a sample of names).

# %%
import random
import time
from collections.abc import Callable
from pathlib import Path

from autograd_lite import Value, no_grad
from autograd_lite.demos import _gpt_model as gpt
from autograd_lite.demos._common import fast_mode, quick_mode, save_drawing, show
from autograd_lite.nn import Adam
from autograd_lite.tape import Tape

QUICK = quick_mode()
FAST = fast_mode()
started = time.perf_counter()

words = gpt.load_names(seed=42)
vocabulary = gpt.Vocabulary(words)
if QUICK:
    config = gpt.Config(vocab=len(vocabulary), embed=8, heads=4, block=16)
    STEPS, EVERY, SAMPLES = 12, 4, 5
else:
    config = gpt.Config(vocab=len(vocabulary), embed=16, heads=4, block=16)
    STEPS, EVERY, SAMPLES = 1000, 100, 20
LEARNING_RATE, BETAS = 0.01, (0.85, 0.99)

kit = gpt.autograd_lite_kit()
params = gpt.parameters(Value, config, random.Random(1337))
weights = gpt.flat(params)
print(f"{len(words)} names, e.g. {', '.join(words[:5])}; {len(vocabulary)} tokens "
      f"('{gpt.BOUNDARY}' and {vocabulary.chars[0]}..{vocabulary.chars[-1]})")
print(f"model: width {config.embed}, {config.heads} heads, block {config.block}, "
      f"{len(weights):,} parameters; {STEPS} steps of one name{' (quick mode)' if QUICK else ''}")

# %% [markdown]
# ## Training
#
# Step k takes name k (cycling through the list), builds the loss of that name,
# runs backward and an Adam step with learning rate 0.01 · (1 − k/steps). The
# loss printed is the mean over the names since the last line.

# %%
optimizer = Adam(weights, lr=LEARNING_RATE, betas=BETAS)
tapes: dict[int, tuple[Tape, list, list]] = {}  # positions -> (tape, one-hot inputs, one-hot targets)


timer = {"record": 0.0, "replay": 0.0}


def taped_loss(tokens: list[int], targets: list[int]) -> float:
    """Forward and backward replayed from the tape of this length (recorded on first use)."""
    n = len(tokens)
    if n not in tapes:
        t0 = time.perf_counter()
        inputs = [[Value(0.0) for _ in range(config.vocab)] for _ in range(n)]
        outputs = [[Value(0.0) for _ in range(config.vocab)] for _ in range(n)]
        recorded = gpt.loss(params, config, kit, inputs, outputs)
        tapes[n] = (Tape(recorded), inputs, outputs)
        timer["record"] += time.perf_counter() - t0
    tape, inputs, outputs = tapes[n]
    t0 = time.perf_counter()
    gpt.set_one_hot(inputs, tokens)
    gpt.set_one_hot(outputs, targets)
    value = tape.run()
    timer["replay"] += time.perf_counter() - t0
    return value


def eager_loss(tokens: list[int], targets: list[int], one_hot: bool = False) -> Value:
    """The loss built eagerly, after backward: index lookups, or fresh one-hot leaves (the
    graph a tape records)."""
    if one_hot:
        tokens = [[Value(1.0 if j == t else 0.0) for j in range(config.vocab)] for t in tokens]
        targets = [[Value(1.0 if j == t else 0.0) for j in range(config.vocab)] for t in targets]
    total = gpt.loss(params, config, kit, tokens, targets)
    total.backward()
    return total


probe = [gpt.pairs(vocabulary.encode(name)) for name in words[:10]]
if FAST:
    # The eager step (build and backward, lookups), timed before any tape exists, as the run
    # without --fast does it: a process that keeps tapes keeps their recorded graphs, which
    # every full pass of the garbage collector then walks.
    t0 = time.perf_counter()
    for tokens, targets in probe:
        eager_loss(tokens, targets)
    eager_seconds = (time.perf_counter() - t0) / len(probe)
    for p in weights:
        p.grad = 0.0

history: list[float] = []
train_started = time.perf_counter()
for k in range(STEPS):
    tokens, targets = gpt.pairs(vocabulary.encode(words[k % len(words)]))
    for p in weights:
        p.grad = 0.0
    if FAST:
        value = taped_loss(tokens, targets)
    else:
        value = eager_loss(tokens, targets).data
    optimizer.lr = LEARNING_RATE * (1 - k / STEPS)  # linear decay to 0
    optimizer.step()
    history.append(value)
    if (k + 1) % EVERY == 0:
        recent = history[-EVERY:]
        print(f"step {k + 1:4d}  lr {optimizer.lr:.5f}  loss {sum(recent) / len(recent):.6f}")
train_seconds = time.perf_counter() - train_started
print(f"runtime: training {train_seconds:.1f} s, {train_seconds / STEPS * 1000:.1f} ms per step")

# %% [markdown]
# With `--fast`: the speed-up, and the tapes against the eager graphs on ten names
# (on the trained weights): the tape, the eager graph of one-hot leaves (the graph
# the tape recorded) and the eager graph of index lookups (what the run without
# `--fast` builds); the loss and every parameter's gradient are compared.

# %%
if FAST:
    replay = timer["replay"] / STEPS
    print(f"tapes: {len(tapes)} lengths, {sum(t.nodes for t, _, _ in tapes.values()):,} nodes, "
          f"recorded in {timer['record']:.1f} s (part of the training time)")
    print(f"speed: eager step (build + backward) {eager_seconds * 1000:.1f} ms, tape replay "
          f"{replay * 1000:.2f} ms: {eager_seconds / replay:.1f}x faster")

    def gradients_of(run: Callable[..., object], *args: object) -> list[float]:
        for p in weights:
            p.grad = 0.0
        value = run(*args)
        return [value if isinstance(value, float) else value.data, *(p.grad for p in weights)]

    same_graph, worst = True, 0.0
    for tokens, targets in probe:
        replayed = gradients_of(taped_loss, tokens, targets)
        same_graph &= replayed == gradients_of(eager_loss, tokens, targets, True)
        looked_up = gradients_of(eager_loss, tokens, targets)
        worst = max(worst, *(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in zip(replayed, looked_up)))
    assert same_graph, "the tape must replay the eager graph's numbers bit for bit"
    print(f"{len(probe)} names: loss and all {len(weights):,} gradients of the tape bit-identical to "
          "the eager one-hot graph; to the eager lookups: "
          + ("bit-identical" if worst == 0.0 else f"max relative difference {worst:.1e}"))

# %% [markdown]
# ## New names
#
# Sampling reads the model one position at a time with its cache of keys and
# values, as in training, under `no_grad()` (no graph is needed), drawing each
# next character from softmax(logits / 0.5).

# %%
rng = random.Random(7)
drawn = [vocabulary.decode(gpt.sample(params, config, kit, rng, temperature=0.5, context=no_grad))
         for _ in range(SAMPLES)]
print("sampled names:", ", ".join(drawn))
known = sum(name in set(words) for name in drawn)
print(f"{known} of {len(drawn)} are in the training list")

# %% [markdown]
# ## One training step, drawn by scopes
#
# The model tags its nodes with named scopes (`autograd_lite.scope`): `embed`,
# `layer0/attention/head0`..`head3`, `layer0/mlp`, `lm_head`, `loss`.
# `draw_dot(loss, collapse=3)` draws each scope (to three levels: the four heads)
# as one box with the number of nodes it holds, the parameters as one box per
# scope that reads them, and on each arrow the number of edges it stands for:
# the graph of a step on the first name (with the trained weights), tens of
# thousands of nodes, on one page. `draw_dot(loss, scope="layer0/attention/head0")`
# would draw one head's nodes.

# %%
first_graph = eager_loss(*probe[0])  # built again (a graph kept through training slows the collector)
from autograd_lite.viz import draw_dot

drawing = draw_dot(first_graph, collapse=3)
out_dir = Path("demo_output")
out_dir.mkdir(exist_ok=True)
written, why = save_drawing(drawing, out_dir / "gpt_step_scopes.svg")  # .html where dot is missing
print(f"wrote {written}: one training step ({words[0]!r}) by scopes{why}")
show(drawing)

# %%
print(f"runtime: whole demo {time.perf_counter() - started:.1f} s")
