"""The GPT of the `gpt` demo and of benchmark W6, written once over any scalar Value class.

A microgpt-shaped language model over characters: token and position
embeddings, RMSNorm, one layer of multi-head causal self-attention that reads
a cache of keys and values (one position at a time, as a scalar engine
generates text), an MLP block, residual connections, and a linear head whose
logits give the next token. It uses only what every scalar engine has
(`+ - * /`, `**` with a number, `exp`, `log`, `relu`, `sum`) plus what an
engine-specific `Kit` supplies: softmax, cross-entropy and named scopes.

A token (and a target) is either an int, which picks a row of the embedding
(the usual lookup: the graph then depends on which token it is), or a one-hot
row of leaf Values, which is multiplied into the embedding: the graph then
depends only on the sequence length, so `autograd_lite.tape` can record it once
and replay it for every name of that length. Both give the same loss to the
bit (x + 0.0 = x and 1.0 * x = x in IEEE arithmetic); the `gpt` demo checks
the gradients too.

Imports nothing of autograd_lite at module level (`autograd_lite_kit()` does,
when called): the demo and the benchmark pass their Value class and their Kit,
and the benchmark's other engine runs it without the package.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

BOUNDARY = "."  # the begin/end token: token id 0; the letters are 1, 2, ...

Token = Any  # an int, or a one-hot row (a list of Values)


@dataclass(frozen=True)
class Config:
    """The model's sizes. microgpt's: width 16, 4 heads, a block of 16 positions."""

    vocab: int = 27
    embed: int = 16
    heads: int = 4
    block: int = 16
    std: float = 0.08  # of the Gaussian initial weights

    def __post_init__(self) -> None:
        if self.embed % self.heads:
            raise ValueError(f"Config: embed={self.embed} is not a multiple of heads={self.heads}")

    @property
    def head_size(self) -> int:
        return self.embed // self.heads


class Kit(NamedTuple):
    """What the model needs of an engine beyond arithmetic, exp, log and relu."""

    softmax: Callable[[list], list]
    cross_entropy: Callable[[list, Any], Any]  # -log softmax(logits)[target]: an int or a one-hot row
    scope: Callable[[str], contextlib.AbstractContextManager]


def _no_scope(name: str) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext()


def _shifted_softmax(logits: list) -> list:
    # Written out, as code for a bare engine writes it: every logit less the largest, a number
    # read from the data (exp then stays finite), so the graph holds that number; one division.
    shift = max(v.data for v in logits)
    weights = [(v - shift).exp() for v in logits]
    inverse = 1 / sum(weights)
    return [w * inverse for w in weights]


def _shifted_cross_entropy(logits: list, target: Token) -> Any:
    probs = _shifted_softmax(logits)
    if isinstance(target, int):
        return -probs[target].log()
    return -sum(y * p.log() for y, p in zip(target, probs))


PORTABLE = Kit(_shifted_softmax, _shifted_cross_entropy, _no_scope)
"""For any engine with exp and log: softmax as exp / sum / division, no scopes."""


def autograd_lite_kit() -> Kit:
    """autograd_lite's softmax family (on its variadic `logsumexp` rule: no number from the
    data in the graph, so a tape replays it for any data) and its named scopes."""
    import autograd_lite

    return Kit(autograd_lite.softmax, autograd_lite.softmax_cross_entropy, autograd_lite.scope)


def parameters(value: Callable[[float], Any], config: Config,
               rng: random.Random) -> dict[str, list[list[Any]]]:
    """The weight matrices (rows of Values), Gaussian with std `config.std`, drawn from `rng`
    in a fixed order: the same numbers for every engine given equally seeded generators."""
    def matrix(rows: int, cols: int) -> list[list[Any]]:
        return [[value(rng.gauss(0.0, config.std)) for _ in range(cols)] for _ in range(rows)]

    e = config.embed
    return {"wte": matrix(config.vocab, e), "wpe": matrix(config.block, e),
            "layer0.wq": matrix(e, e), "layer0.wk": matrix(e, e), "layer0.wv": matrix(e, e),
            "layer0.wo": matrix(e, e), "layer0.fc1": matrix(4 * e, e), "layer0.fc2": matrix(e, 4 * e),
            "lm_head": matrix(config.vocab, e)}


def flat(params: dict[str, list[list[Any]]]) -> list[Any]:
    """Every parameter, in the order of `parameters`."""
    return [p for rows in params.values() for row in rows for p in row]


def linear(x: Sequence[Any], w: Sequence[Sequence[Any]]) -> list[Any]:
    """w x: one dot product per row of w."""
    out = []
    for row in w:
        out.append(sum(x_j * w_j for x_j, w_j in zip(x, row)))
    return out


def rmsnorm(x: Sequence[Any]) -> list[Any]:
    """x / sqrt(mean(x²) + 1e-5): RMSNorm without a gain."""
    inverse_rms = 1 / (sum(v * v for v in x) * (1.0 / len(x)) + 1e-5) ** 0.5
    return [v * inverse_rms for v in x]


def embed_row(table: Sequence[Sequence[Any]], token: Token) -> list[Any]:
    """The row of `table` for `token`: picked by an int, or a one-hot row times the table."""
    if isinstance(token, int):
        return list(table[token])
    return [sum(o * row[j] for o, row in zip(token, table)) for j in range(len(table[0]))]


class Cache:
    """The keys and values of the positions seen so far (one list per position)."""

    def __init__(self) -> None:
        self.keys: list[list[Any]] = []
        self.values: list[list[Any]] = []


def logits_at(params: dict, config: Config, kit: Kit, token: Token, pos: int, cache: Cache) -> list[Any]:
    """The next-token logits at position `pos`, given `token` there and the cache of the
    positions before it (to which this position's key and value are added)."""
    with kit.scope("embed"):
        x = [t + p for t, p in zip(embed_row(params["wte"], token), params["wpe"][pos])]
        x = rmsnorm(x)
    with kit.scope("layer0"):
        with kit.scope("attention"):
            residual, x = x, rmsnorm(x)
            k_all, v_all, attended = [], [], []
            size = config.head_size
            for h in range(config.heads):
                rows = slice(h * size, (h + 1) * size)
                with kit.scope(f"head{h}"):
                    # A head's rows of the q, k, v projections are its own: computed in its scope.
                    q = linear(x, params["layer0.wq"][rows])
                    k = linear(x, params["layer0.wk"][rows])
                    v = linear(x, params["layer0.wv"][rows])
                    k_all += k
                    v_all += v
                    keys = [key[rows] for key in cache.keys] + [k]
                    values = [val[rows] for val in cache.values] + [v]
                    scores = [sum(qj * kj for qj, kj in zip(q, key)) / math.sqrt(size) for key in keys]
                    weights = kit.softmax(scores)
                    attended += [sum(w * val[j] for w, val in zip(weights, values)) for j in range(size)]
            cache.keys.append(k_all)
            cache.values.append(v_all)
            x = [a + r for a, r in zip(linear(attended, params["layer0.wo"]), residual)]
        with kit.scope("mlp"):
            residual, x = x, rmsnorm(x)
            hidden = [u.relu() for u in linear(x, params["layer0.fc1"])]
            x = [a + r for a, r in zip(linear(hidden, params["layer0.fc2"]), residual)]
    with kit.scope("lm_head"):
        return linear(x, params["lm_head"])


def loss(params: dict, config: Config, kit: Kit, tokens: Sequence[Token], targets: Sequence[Token]) -> Any:
    """Mean cross-entropy -log softmax(logits)[target] of predicting each target from the
    tokens up to its position (ints, or one-hot rows of leaves for both)."""
    if not 0 < len(tokens) <= config.block or len(targets) != len(tokens):
        raise ValueError(f"loss: {len(tokens)} tokens and {len(targets)} targets "
                         f"for a block of {config.block}")
    cache = Cache()
    losses = []
    for pos, (token, target) in enumerate(zip(tokens, targets)):
        logits = logits_at(params, config, kit, token, pos, cache)
        with kit.scope("loss"):  # with a one-hot target: the target's term, plus exact zeros
            losses.append(kit.cross_entropy(logits, target))
    with kit.scope("loss"):
        return sum(losses) / len(losses)


# ---------------------------------------------------------------------------
# Data: the first names of the `names` package.

def load_names(seed: int = 42) -> list[str]:
    """The first names bundled with the `names` package (US census lists, male and female),
    lower-cased, de-duplicated and shuffled with `random.Random(seed)`. Read from the
    installed package's files: nothing is downloaded."""
    try:
        files = importlib.resources.files("names")
    except ModuleNotFoundError:
        raise ModuleNotFoundError("the gpt model's data is the `names` package's lists: "
                                  "pip install names (it is in the demos extra)") from None
    found: set[str] = set()
    for list_name in ("dist.male.first", "dist.female.first"):
        for line in files.joinpath(list_name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.add(line.split()[0].lower())
    words = sorted(found)
    random.Random(seed).shuffle(words)
    return words


class Vocabulary:
    """Characters to token ids and back; id 0 is the begin/end token."""

    def __init__(self, words: Sequence[str]) -> None:
        self.chars = sorted(set("".join(words)))
        if BOUNDARY in self.chars:
            raise ValueError(f"Vocabulary: {BOUNDARY!r} is the begin/end token and cannot be a character")
        self.ids = {c: i + 1 for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars) + 1

    def encode(self, word: str) -> list[int]:
        """[0, ids of the characters..., 0]: the boundary token on both sides."""
        return [0, *(self.ids[c] for c in word), 0]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i - 1] for i in ids if i != 0)


def pairs(ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """(tokens, targets): each token predicts the next one."""
    return list(ids[:-1]), list(ids[1:])


def set_one_hot(rows: Sequence[Sequence[Any]], ids: Sequence[int]) -> None:
    """Write ids into rows of one-hot leaves (`.data` 1.0 at the id, 0.0 elsewhere)."""
    for row, i in zip(rows, ids):
        for j, leaf in enumerate(row):
            leaf.data = 1.0 if j == i else 0.0


def sample(params: dict, config: Config, kit: Kit, rng: random.Random, temperature: float = 0.5,
           context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext) -> list[int]:
    """Token ids drawn one at a time from the model, after the begin token, until the end
    token or the end of the block; each position reads the cache of the ones before it.
    `context` wraps the whole (e.g. the engine's no_grad: no graph is needed to sample)."""
    drawn: list[int] = []
    with context():
        cache, token = Cache(), 0
        for pos in range(config.block):
            logits = logits_at(params, config, kit, token, pos, cache)
            probs = kit.softmax([v / temperature for v in logits])
            token = rng.choices(range(config.vocab), weights=[p.data for p in probs])[0]
            if token == 0:
                break
            drawn.append(token)
    return drawn
