"""The gpt demo's model (autograd_lite.demos._gpt_model): its gradient against central
differences, its tape against its eager graph (bit for bit, over Adam steps), one-hot
leaves against index lookups, the names data and the vocabulary."""

from __future__ import annotations

import random

import pytest

from autograd_lite import Value
from autograd_lite.demos import _gpt_model as gpt
from autograd_lite.nn import Adam
from autograd_lite.tape import Tape

TINY = gpt.Config(vocab=6, embed=4, heads=2, block=5, std=0.5)  # std 0.5: gradients far from 0
KIT = gpt.autograd_lite_kit()


def tiny_model(seed: int = 0) -> tuple[dict, list[Value]]:
    params = gpt.parameters(Value, TINY, random.Random(seed))
    return params, gpt.flat(params)


def one_hot(ids: list[int]) -> list[list[Value]]:
    return [[Value(1.0 if j == i else 0.0) for j in range(TINY.vocab)] for i in ids]


@pytest.mark.parametrize("leaves", [False, True], ids=["lookups", "one-hot"])
def test_gradient_matches_central_differences(leaves: bool) -> None:
    params, _ = tiny_model()
    tokens, targets = [0, 3, 1, 5], [3, 1, 5, 0]

    def loss_value() -> Value:
        if leaves:
            return gpt.loss(params, TINY, KIT, one_hot(tokens), one_hot(targets))
        return gpt.loss(params, TINY, KIT, tokens, targets)

    root = loss_value()
    root.backward()
    # one parameter of every matrix, and the embedding rows actually read (token 3) and not
    rng = random.Random(1)
    picked = [params["wte"][3][1], params["wte"][2][0], params["wpe"][3][2]]
    picked += [rng.choice(rng.choice(rows)) for name, rows in params.items()
               if name.startswith(("layer0", "lm"))]
    h = 1e-6
    for p in picked:
        saved = p.data
        p.data = saved + h
        up = loss_value().data
        p.data = saved - h
        down = loss_value().data
        p.data = saved
        numerical = (up - down) / (2 * h)
        assert p.grad == pytest.approx(numerical, rel=1e-6, abs=1e-9), (p, numerical)
    assert params["wte"][2][0].grad == 0.0  # token 2 is not in the name


def test_one_hot_leaves_compute_what_lookups_do() -> None:
    params, weights = tiny_model()
    tokens, targets = [0, 4, 2], [4, 2, 0]
    lookups = gpt.loss(params, TINY, KIT, tokens, targets)
    lookups.backward()
    by_lookup = [p.grad for p in weights]
    for p in weights:
        p.grad = 0.0
    leaves = gpt.loss(params, TINY, KIT, one_hot(tokens), one_hot(targets))
    leaves.backward()
    assert leaves.data == lookups.data  # 1.0 * x and x + 0.0 are exact
    assert [p.grad for p in weights] == pytest.approx(by_lookup, rel=1e-12, abs=1e-15)


def test_tape_replays_the_eager_graph_bit_for_bit_over_adam_steps() -> None:
    # the demo's --fast training against eager training of the same (one-hot) graph
    words = ["abc", "cab", "bca", "ab", "ba", "abc"]  # two lengths: two tapes
    vocabulary = gpt.Vocabulary(words)
    config = gpt.Config(vocab=len(vocabulary), embed=4, heads=2, block=5)
    runs = {}
    for mode in ("eager", "tape"):
        params = gpt.parameters(Value, config, random.Random(3))
        weights = gpt.flat(params)
        optimizer = Adam(weights, lr=0.05)
        tapes: dict[int, tuple[Tape, list, list]] = {}
        losses, grads = [], []
        for word in words:
            tokens, targets = gpt.pairs(vocabulary.encode(word))
            for p in weights:
                p.grad = 0.0
            if mode == "eager":
                xs = [[Value(float(j == t)) for j in range(config.vocab)] for t in tokens]
                ys = [[Value(float(j == t)) for j in range(config.vocab)] for t in targets]
                root = gpt.loss(params, config, KIT, xs, ys)
                root.backward()
                losses.append(root.data)
            else:
                if len(tokens) not in tapes:
                    xs = [[Value(0.0) for _ in range(config.vocab)] for _ in tokens]
                    ys = [[Value(0.0) for _ in range(config.vocab)] for _ in tokens]
                    tapes[len(tokens)] = (Tape(gpt.loss(params, config, KIT, xs, ys)), xs, ys)
                tape, xs, ys = tapes[len(tokens)]
                gpt.set_one_hot(xs, tokens)
                gpt.set_one_hot(ys, targets)
                losses.append(tape.run())
            grads.append([p.grad for p in weights])
            optimizer.step()
        runs[mode] = (losses, grads, [p.data for p in weights])
    assert runs["tape"] == runs["eager"]
    assert len(set(runs["eager"][0])) == len(words)  # the replays did see new data


def test_portable_kit_agrees_with_autograd_lite_ops() -> None:
    # the benchmark's other engines run the written-out softmax; same numbers to rounding
    params, weights = tiny_model(5)
    tokens, targets = [0, 1, 2, 3], [1, 2, 3, 0]
    mine = gpt.loss(params, TINY, KIT, tokens, targets)
    mine.backward()
    own = [p.grad for p in weights]
    for p in weights:
        p.grad = 0.0
    theirs = gpt.loss(params, TINY, gpt.PORTABLE, tokens, targets)
    theirs.backward()
    assert theirs.data == pytest.approx(mine.data, rel=1e-13)
    assert [p.grad for p in weights] == pytest.approx(own, rel=1e-9, abs=1e-13)


def test_names_data_and_vocabulary() -> None:
    words = gpt.load_names(seed=42)
    assert len(words) == len(set(words)) > 4000
    assert all(w.isalpha() and w == w.lower() for w in words)
    assert words == gpt.load_names(seed=42) and words != gpt.load_names(seed=1)
    vocabulary = gpt.Vocabulary(words)
    assert len(vocabulary) == 27
    assert vocabulary.encode("emma")[0] == vocabulary.encode("emma")[-1] == 0
    assert vocabulary.decode(vocabulary.encode("emma")) == "emma"
    with pytest.raises(ValueError, match="begin/end"):
        gpt.Vocabulary(["a.b"])


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple of heads"):
        gpt.Config(embed=6, heads=4)
    params, _ = tiny_model()
    with pytest.raises(ValueError, match="block of 5"):
        gpt.loss(params, TINY, KIT, [0] * 6, [0] * 6)


def test_sampling_stays_in_the_vocabulary() -> None:
    from autograd_lite import no_grad

    params, _ = tiny_model()
    drawn = gpt.sample(params, TINY, KIT, random.Random(0), temperature=1.0, context=no_grad)
    assert len(drawn) <= TINY.block and all(0 < t < TINY.vocab for t in drawn)
