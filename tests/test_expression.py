"""autograd_lite.expression: safe parsing of typed expressions into Value graphs.

Truths used here, none of them the parser under test:
- values computed by hand with `math` for a fixed list of expressions;
- central finite differences (tests/helpers.py) for the gradients;
- for generated expressions, Python's own parser as an oracle: the generated
  text is whitelisted by construction (numbers, x/y/z, + - * / **, unary signs,
  parentheses, the nine functions) and is evaluated in the TEST ONLY with
  `eval(..., {"__builtins__": {}, ...})` on a small number class `R` that
  applies the engine's documented policy (a non-finite intermediate is an
  error; a negative base needs a constant exponent); the module itself never
  evaluates anything.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import keyword
import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

import autograd_lite.expression as expression_module
from autograd_lite import Value
from autograd_lite.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    parse,
    parse_assignments,
)

from .helpers import central_differences, close

POINT = {"x": 2.0, "w": -3.0, "b": 6.88}


def one_line(error: BaseException) -> str:
    message = str(error)
    assert message, "empty message"
    assert len(message.splitlines()) == 1 and "\n" not in message and "\r" not in message, message
    assert len(message) < 300, message
    return message


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


# ---------------------------------------------------------------------------
# Values: by hand, with math.

HAND = [
    ("x + w", 2.0 + -3.0),
    ("x*w + b", 2.0 * -3.0 + 6.88),
    ("tanh(x*w + b)", math.tanh(2.0 * -3.0 + 6.88)),
    ("sigmoid(x) * relu(w) + relu(b)", sigmoid(2.0) * 0.0 + 6.88),
    ("abs(w) * sqrt(x)", 3.0 * math.sqrt(2.0)),
    ("log(exp(x))", math.log(math.exp(2.0))),
    ("sin(x)**2 + cos(x)**2", math.sin(2.0) ** 2 + math.cos(2.0) ** 2),
    ("(x - w) / (x + b)", (2.0 + 3.0) / (2.0 + 6.88)),
    ("-x**2", -4.0),
    ("(-x)**2", 4.0),
    ("-2**2", -4.0),
    ("2**3**2", 512.0),
    ("2**-1", 0.5),
    ("2**-2**-1", 2 ** -(2**-1)),
    ("x**w", 2.0**-3.0),
    ("w**2", 9.0),
    ("2**x", 4.0),
    ("x**0.5", math.sqrt(2.0)),
    ("8/2/2", 2.0),
    ("8-2-2", 4.0),
    ("2*3+4", 10.0),
    ("2*(3+4)", 14.0),
    ("x - -x", 4.0),
    ("--x", 2.0),
    ("+x", 2.0),
    ("-+-x", 2.0),
    ("1.5e2 + .5 + 2. + 1E-1", 150.0 + 0.5 + 2.0 + 0.1),
    ("007", 7.0),
    ("  x\t*\n w  ", -6.0),
    ("x*w*b/x/w", ((2.0 * -3.0) * 6.88 / 2.0) / -3.0),
    ("exp(-1000)", 0.0),
    ("10**-400", 0.0),
    ("abs(0)", 0.0),
    ("relu(w)", 0.0),
]


@pytest.mark.parametrize(("text", "expected"), HAND)
def test_values_match_hand_computation(text: str, expected: float) -> None:
    root, _ = parse(text, POINT)
    assert isinstance(root, Value)
    assert close(root.data, expected, 1e-15), (text, root.data, expected)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("tanh(x*w + b)", ["x", "w", "b"]),
        ("x*y + sin(x)/y", ["x", "y"]),
        ("sigmoid(x)**y - log(x*x + y)", ["x", "y"]),
        ("sqrt(x**2 + y**2) * exp(-y) / (1 + abs(x))", ["x", "y"]),
        ("x**y + 2**x + y**3", ["x", "y"]),
        ("cos(x*x*x) - relu(y - x)", ["x", "y"]),
    ],
)
def test_gradients_match_central_differences(text: str, names: list[str]) -> None:
    point = {"x": 2.0, "w": -3.0, "b": 6.88, "y": 1.3}
    xs = [point[n] for n in names]

    def f(*args: float) -> float:
        return parse(text, dict(zip(names, args)))[0].data

    root, leaves = parse(text, {n: point[n] for n in names})
    root.backward()
    assert list(leaves) == names
    for name, reference in zip(names, central_differences(f, xs)):
        assert close(leaves[name].grad, reference, 1e-6), (text, name, leaves[name].grad, reference)


def test_a_variable_is_one_shared_leaf() -> None:
    root, leaves = parse("x*x", {"x": 3.0})
    x = leaves["x"]
    assert root._prev == (x, x)
    assert root._prev[0] is root._prev[1] is x
    root.backward()
    assert x.grad == 6.0
    root, leaves = parse("x*w + x", POINT)
    root.backward()
    assert leaves["x"].grad == POINT["w"] + 1.0


def test_leaves_labels_and_order() -> None:
    root, leaves = parse("tanh(b + x*w)", {"x": 2.0, "w": -3.0, "b": 6.88, "unused": 1.0})
    assert list(leaves) == ["b", "x", "w"]  # order of first use; unused names are ignored
    for name, leaf in leaves.items():
        assert leaf.label == name and leaf._prev == () and leaf.data == POINT[name]
    assert root.label == "tanh(b + x*w)"
    (inner,) = root._prev
    assert inner.label == "b + x*w"
    assert inner._prev[1].label == "x*w"


def test_long_labels_are_shortened_to_one_line() -> None:
    text = "x +\n " + " + ".join(["x"] * 40)
    root, _ = parse(text, {"x": 1.0})
    assert root.data == 41.0
    assert len(root.label) <= 40 and "\n" not in root.label


def test_number_operands_are_constants_not_nodes() -> None:
    root, leaves = parse("2*x", {"x": 1.5})
    assert root._prev == (leaves["x"],) and root._arg == 2.0 and root.data == 3.0
    root, leaves = parse("x**(1+1)", {"x": 3.0})  # a constant part is folded on floats
    assert root._prev == (leaves["x"],) and root._arg == 2.0 and root.data == 9.0


def test_expressions_without_variables_give_a_leaf() -> None:
    root, leaves = parse("2 + 3", {})
    assert leaves == {} and root.data == 5.0 and root._prev == () and root.label == "2 + 3"


def test_parentheses_and_unary_plus_return_the_leaf_itself() -> None:
    for text in ("x", "(x)", "+x", "((+(x)))"):
        root, leaves = parse(text, {"x": 1.0})
        assert root is leaves["x"] and root.label == "x"


def test_unicode_names_are_nfkc_normalised_as_in_python() -> None:
    root, leaves = parse("θ*2 + ｘ", {"θ": 1.5, "x": 1.0})
    assert root.data == 4.0 and list(leaves) == ["θ", "x"]
    assert parse("x", {"ｘ": 2.0})[0].data == 2.0
    assert parse("ｅｘｐ(0)", {})[0].data == 1.0  # fullwidth letters are exp, as for Python
    assert parse_assignments("θ=1.5,ｘ=2") == {"θ": 1.5, "x": 2.0}


# ---------------------------------------------------------------------------
# Errors.

def test_expression_error_is_a_value_error_with_a_column() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("x.__class__", POINT)
    assert isinstance(caught.value, ValueError)
    assert caught.value.column == 2
    assert one_line(caught.value) == "attribute access is not allowed at column 2"


def test_unknown_names_are_listed_with_the_defined_ones() -> None:
    with pytest.raises(ExpressionError, match=r"^unknown name 'y' \(defined: b, w, x\)$"):
        parse("x + y", POINT)
    with pytest.raises(ExpressionError, match=r"^unknown names 'y', 'z' \(defined: b, w, x\)$"):
        parse("y * z + y", POINT)
    with pytest.raises(ExpressionError, match=r"^unknown name 'x' \(no variables are defined\)$"):
        parse("x", {})


def test_bad_values_are_errors() -> None:
    for values, fragment in [
        ({"x": math.inf}, "overflow: the value of 'x' is not finite"),
        ({"x": math.nan}, "overflow: the value of 'x' is not finite"),
        ({"x": 10**400}, "overflow: the value of 'x' is not finite"),
        ({"x": "2"}, "the value of 'x' is not a number"),
        ({"x": True}, "the value of 'x' is not a number"),
        ({"x": None}, "the value of 'x' is not a number"),
    ]:
        with pytest.raises(ExpressionError) as caught:
            parse("x + 1", values)
        assert fragment in one_line(caught.value)
    assert parse("x", {"x": 3})[0].data == 3.0  # an int is a number


def test_wrong_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        parse(b"x", POINT)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse("x", [("x", 1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_assignments(None)  # type: ignore[arg-type]


# (text, a fragment of the expected message)
HOSTILE = [
    ("__import__('os').system('true')", "function '__import__' is not allowed"),
    ("x.__class__", "attribute access is not allowed"),
    ("x.__class__.__bases__[0].__subclasses__()", "attribute access is not allowed"),
    ("(x).real", "attribute access is not allowed"),
    ("1 .real", "attribute access is not allowed"),
    ("(lambda: 1)()", "lambda expressions are not allowed"),
    ("open('pwned', 'w')", "function 'open' is not allowed"),
    ("print(x)", "function 'print' is not allowed"),
    ("eval('1')", "function 'eval' is not allowed"),
    ("getattr(x, 'data')", "function 'getattr' is not allowed"),
    ("[x]", "lists are not allowed"),
    ("x[0]", "subscripts"),
    ("{x}", "sets and dicts are not allowed"),
    ("'a'", "strings are not allowed"),
    ("x + \"a\"", "strings are not allowed"),
    ("b'a'", "strings are not allowed"),
    ('f"{x}"', "strings are not allowed"),
    ("x if x else x", "conditional expressions are not allowed"),
    ("x < 1", "comparisons are not allowed"),
    ("x == x", "comparisons are not allowed"),
    ("x and x", "boolean operators are not allowed"),
    ("not x", "boolean operators are not allowed"),
    ("x // 2", "floor division"),
    ("x % 2", "'%'"),
    ("x @ x", "'@'"),
    ("x ^ 2", "write powers as x**2"),
    ("x | 1", "bitwise"),
    ("~x", "bitwise"),
    ("x << 1", "bitwise"),
    ("1j", "complex numbers are not allowed"),
    ("2.5J", "complex numbers are not allowed"),
    ("True", "'True' is not allowed"),
    ("None", "'None' is not allowed"),
    ("exp(x, x)", "exp() takes exactly one argument"),
    ("exp(x=1)", "keyword arguments are not allowed"),
    ("exp()", "exp() takes exactly one argument, got none"),
    ("exp", "exp is a function"),
    ("exp + 1", "exp is a function"),
    ("exp(x)(x)", "only the functions"),
    ("(x)(x)", "only the functions"),
    ("x(1)", "function 'x' is not allowed"),
    ("(x := 1)", "assignment expressions"),
    ("x = 1", "'=' is not allowed"),
    ("*x", "expected a number, a name or '('"),
    ("exp(*x)", "expected a number, a name or '('"),
    ("x, x", "commas (tuples) are not allowed"),
    ("x; x", "only one expression is allowed"),
    ("import os", "keyword 'import' is not allowed"),
    ("x for x in x", "keyword 'for' is not allowed"),
    ("yield x", "keyword 'yield' is not allowed"),
    ("x # comment", "unexpected character '#'"),
    ("x \\\n + 1", "unexpected character '\\\\'"),
    ("$x", "unexpected character '$'"),
    ("x\x00", "unexpected character '\\x00'"),
    ("\x00", "unexpected character '\\x00'"),
    ("x\u200b+1", "unexpected character '\\u200b'"),
    ("x\u202e+1", "unexpected character '\\u202e'"),
    ("x\ud800", "unexpected character '\\ud800'"),
    ("x²", "write powers as x**2"),
    ("😀", "unexpected character"),
    ("ехр(x)", "function 'ехр' is not allowed"),  # Cyrillic look-alike of exp
    ("", "empty expression"),
    ("   ", "empty expression"),
    ("\n\t", "empty expression"),
    ("x +", "ends too early"),
    ("-", "ends too early"),
    ("x **", "ends too early"),
    ("(x", "missing ')'"),
    ("exp(x", "missing ')'"),
    ("x)", "unmatched ')'"),
    ("()", "expected a number, a name or '('"),
    ("x y", "missing operator"),
    ("2 3", "missing operator"),
    ("2x", "invalid number '2x'"),
    ("1_000", "invalid number"),
    ("0x10", "invalid number"),
    ("1e", "invalid number"),
    ("1.2.3", "invalid number"),
    ("..5", "expected a number, a name or '('"),
    ("x..y", "attribute access"),
    ("9" * 400, "overflow: the number"),
    ("1e999", "overflow: the number"),
    ("2**1e10", "overflow: the value of '2**1e10' is not finite"),
    ("9**9**9", "overflow"),
    ("1e308*10", "overflow"),
    ("exp(1000)", "overflow: the value of 'exp(1000)' is not finite (inf)"),
    ("x**1000 * 10**300", "overflow"),
    ("log(-1)", "log: undefined for x <= 0"),
    ("log(x - x)", "log: undefined for x <= 0"),
    ("1/0", "division by zero"),
    ("x/(w - w)", "division by zero"),
    ("0**-1", "0 cannot be raised to a negative power"),
    ("(-8)**(1/3)", "a negative base needs an integer exponent"),
    ("w**x", "a negative base needs a constant exponent"),
    ("(-2)**x", "a negative base needs a constant exponent"),
    ("sqrt(w)", "sqrt: undefined for x < 0"),
    ("(" * 10000 + "x" + ")" * 10000, "expression too long (20001 characters, limit 1000)"),
    ("-" * 10000 + "x", "expression too long"),
    ("x" + "**x" * 5000, "expression too long"),
    ("\x00" * (MAX_LENGTH + 1), "expression too long"),
    ("(" * 400 + "x" + ")" * 400, f"nesting deeper than {MAX_DEPTH} levels"),
    ("-" * 900 + "x", f"nesting deeper than {MAX_DEPTH} levels"),
    ("x" + "**x" * 300, f"nesting deeper than {MAX_DEPTH} levels"),
    ("abs(" * 150 + "x" + ")" * 150, f"nesting deeper than {MAX_DEPTH} levels"),
    ("(" * 999, f"nesting deeper than {MAX_DEPTH} levels"),
]


@contextlib.contextmanager
def sentinels() -> Iterator[list[str]]:
    """Record any call of the builtins that would run or open something, and of os.system."""
    calls: list[str] = []
    saved = {name: getattr(builtins, name) for name in ("__import__", "open", "eval", "exec", "compile")}
    saved_system = os.system

    def spy(name: str) -> Callable[..., None]:
        def called(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise RuntimeError(f"{name} called by the parser")

        return called

    for name in saved:
        setattr(builtins, name, spy(name))
    os.system = spy("os.system")  # type: ignore[assignment]
    try:
        yield calls
    finally:
        for name, function in saved.items():
            setattr(builtins, name, function)
        os.system = saved_system


def test_there_are_many_hostile_inputs() -> None:
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize(("text", "fragment"), HOSTILE, ids=lambda v: repr(v)[:30])
def test_hostile_input_is_one_error_and_runs_nothing(
    text: str, fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    error: BaseException | None = None
    with sentinels() as calls:
        try:
            parse(text, POINT)
        except BaseException as caught:  # anything else than ExpressionError fails below
            error = caught
    assert calls == []
    assert list(tmp_path.iterdir()) == []
    assert isinstance(error, ExpressionError), f"{text[:40]!r} gave {error!r}"
    assert fragment in one_line(error), (text[:40], str(error))


def test_domain_errors_carry_the_engines_message() -> None:
    with pytest.raises(ValueError) as engine:
        Value(-1.0).log()
    with pytest.raises(ExpressionError) as ours:
        parse("log(x - 3)", {"x": 2.0})
    assert one_line(ours.value) == f"cannot compute 'log(x - 3)': {engine.value}"


# ---------------------------------------------------------------------------
# Limits.

@pytest.mark.parametrize(
    ("make", "value"),
    [
        (lambda n: "(" * n + "x" + ")" * n, 0.5),
        (lambda n: "-" * n + "x", 0.5),
        (lambda n: "abs(" * n + "x" + ")" * n, 0.5),
        (lambda n: "x" + "**x" * n, 1.0),
        (lambda n: "2*(" * n + "x" + ")" * n, None),
    ],
)
def test_nesting_limit_is_exact(make: Callable[[int], str], value: float | None) -> None:
    root, _ = parse(make(MAX_DEPTH), {"x": 0.5 if value is None else value})
    if value is not None:
        assert root.data == value
    else:
        assert root.data == 0.5 * 2.0**MAX_DEPTH
    with pytest.raises(ExpressionError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        parse(make(MAX_DEPTH + 1), {"x": 0.5})


def test_length_limit_is_exact_and_checked_first() -> None:
    text = "+".join(["x"] * (MAX_LENGTH // 2)) + " "  # a long sum: 999 characters and a space
    assert len(text) == MAX_LENGTH
    root, leaves = parse(text, {"x": 1.0})
    assert root.data == MAX_LENGTH // 2 and list(leaves) == ["x"]
    with pytest.raises(ExpressionError, match=r"^expression too long \(1001 characters, limit 1000\)$"):
        parse(text + " ", {"x": 1.0})
    with pytest.raises(ExpressionError, match="too long"):
        parse_assignments("x=1," * 300)


def test_a_caller_deep_in_its_stack_gets_an_expression_error() -> None:
    text = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    outcomes = []

    def recurse(n: int) -> None:
        if n:
            recurse(n - 1)
            return
        try:
            outcomes.append(parse(text, {"x": 1.0})[0].data)
        except ExpressionError as error:
            outcomes.append(one_line(error))

    headroom = 120  # frames left for the parser: far too few for 100 levels
    depth = sys.getrecursionlimit() - headroom - len(_frames())
    recurse(depth)
    assert outcomes == ["expression too deeply nested (limit 100 levels)"]


def _frames() -> list:
    frames, frame = [], sys._getframe()
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def test_worst_inputs_are_fast() -> None:
    texts = [
        "+".join(["x"] * 500),
        "*".join(["x"] * 500),
        "-x" * 500,
        "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH + "+x" * 399,
        "x" * MAX_LENGTH,
        "9" * MAX_LENGTH,
        "sigmoid(x)+" * 90,
    ]
    for text in texts:  # each returns or raises ExpressionError: no RecursionError, no other error
        with contextlib.suppress(ExpressionError):
            parse(text, {"x": 1.0})


def test_the_module_never_evaluates_code() -> None:
    tree = ast.parse(Path(expression_module.__file__).read_text(encoding="utf-8"))
    forbidden = {"eval", "exec", "compile", "__import__", "ast"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in forbidden, node.func.id
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
            assert not {"ast", "builtins", "importlib", "os", "subprocess"} & set(modules)


# ---------------------------------------------------------------------------
# Generated expressions against Python's parser (the oracle described above).

class R:
    """A float with the engine's policy: every result finite, a negative base only to a constant power."""

    __slots__ = ("v", "var")

    def __init__(self, v: float, var: bool = False) -> None:
        self.v = v
        self.var = var

    @staticmethod
    def made(v: float, var: bool) -> R:
        if isinstance(v, complex) or not math.isfinite(v):
            raise OverflowError("not finite")
        return R(v, var)

    def __add__(self, o: R) -> R:
        return R.made(self.v + o.v, self.var or o.var)

    def __sub__(self, o: R) -> R:
        return R.made(self.v - o.v, self.var or o.var)

    def __mul__(self, o: R) -> R:
        return R.made(self.v * o.v, self.var or o.var)

    def __truediv__(self, o: R) -> R:
        return R.made(self.v / o.v, self.var or o.var)  # ZeroDivisionError as the engine

    def __pow__(self, o: R) -> R:
        if self.v < 0 and (o.var or not o.v.is_integer()):
            raise ValueError("negative base")
        if self.v == 0 and o.v < 0:
            raise ZeroDivisionError("0 to a negative power")
        return R.made(self.v**o.v, self.var or o.var)  # OverflowError as inf would be

    def __neg__(self) -> R:
        return R(-self.v, self.var)

    def __pos__(self) -> R:
        return self


def _oracle_function(f: Callable[[float], float]) -> Callable[[R], R]:
    return lambda r: R.made(f(r.v), r.var)


def _log(x: float) -> float:
    if not x > 0:
        raise ValueError("log")
    return math.log(x)


ORACLE_FUNCTIONS = {
    "exp": _oracle_function(math.exp),  # OverflowError where the engine gives inf
    "log": _oracle_function(_log),
    "tanh": _oracle_function(math.tanh),
    "sigmoid": _oracle_function(sigmoid),
    "relu": _oracle_function(lambda x: x if x > 0 else 0.0),
    "sin": _oracle_function(math.sin),
    "cos": _oracle_function(math.cos),
    "sqrt": _oracle_function(math.sqrt),
    "abs": _oracle_function(abs),
}
assert set(ORACLE_FUNCTIONS) == set(FUNCTIONS)

NAMES = ("x", "y", "z")

# Each generated item: (text for parse, the same text for the oracle, a bound on its nesting).
_numbers = st.one_of(
    st.floats(min_value=0.0, max_value=20.0, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=12).map(float),
    st.sampled_from([1e-5, 2.5e3, 1e300, 0.5]),
).map(lambda v: (repr(v), f"C({v!r})", 0))
_leaves = st.one_of(_numbers, st.sampled_from(NAMES).map(lambda n: (n, n, 0)))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(
        lambda t: (f"{t[0][0]} {t[1]} {t[2][0]}", f"{t[0][1]} {t[1]} {t[2][1]}", t[0][2] + t[2][2] + 1)
    )
    unary = st.tuples(st.sampled_from("-+"), children).map(
        lambda t: (t[0] + t[1][0], t[0] + t[1][1], t[1][2] + 1)
    )
    parenthesised = children.map(lambda c: (f"({c[0]})", f"({c[1]})", c[2] + 1))
    call = st.tuples(st.sampled_from(FUNCTIONS), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", f"{t[0]}({t[1][1]})", t[1][2] + 1)
    )
    return st.one_of(binary, unary, parenthesised, call)


expressions = st.recursive(_leaves, _extend, max_leaves=12)
coordinates = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)


@given(expressions, st.tuples(coordinates, coordinates, coordinates))
def test_generated_expressions_match_the_oracle(item: tuple[str, str, int], point: tuple) -> None:
    text, oracle_text, nesting = item
    assume(len(text) <= MAX_LENGTH and nesting <= MAX_DEPTH)
    values = dict(zip(NAMES, point))
    namespace = {"__builtins__": {}, "C": R, **ORACLE_FUNCTIONS, **{n: R(v, True) for n, v in values.items()}}
    try:
        # Test-only oracle on generated, whitelisted text (see the module docstring).
        expected = eval(oracle_text, namespace).v
    except (ArithmeticError, ValueError):
        expected = None
    event("oracle: error" if expected is None else "oracle: value")
    if expected is None:
        with pytest.raises(ExpressionError) as caught:
            parse(text, values)
        one_line(caught.value)
        return
    root, leaves = parse(text, values)
    assert root.data == expected or math.isclose(root.data, expected, rel_tol=1e-12), (text, root.data)
    assert list(leaves) == list(dict.fromkeys(re.findall(r"\b[xyz]\b", text)))


@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_value_or_an_expression_error(text: str) -> None:
    _parse_or_error(text)


@given(st.text(alphabet="xyz0123456789.eE+-*/() ,=%[]'_\x00\tjexplogtanhsigmoidrlusqrcb", max_size=80))
def test_expression_like_text_gives_a_value_or_an_expression_error(text: str) -> None:
    _parse_or_error(text)


def _parse_or_error(text: str) -> None:
    try:
        root, leaves = parse(text, {"x": 0.5, "y": -1.5, "z": 2.0, "e": math.e})
    except ExpressionError as error:
        one_line(error)
    else:
        assert isinstance(root, Value) and math.isfinite(root.data)
        assert all(isinstance(leaf, Value) for leaf in leaves.values())


# ---------------------------------------------------------------------------
# parse_assignments.

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x=2,w=-3,b=6.88", {"x": 2.0, "w": -3.0, "b": 6.88}),
        (" x = 2 , y=+1e-3 ", {"x": 2.0, "y": 0.001}),
        ("x=.5", {"x": 0.5}),
        ("x=2.", {"x": 2.0}),
        ("x=-0", {"x": 0.0}),
        ("_a1=1E3", {"_a1": 1000.0}),
        ("θ=1.5", {"θ": 1.5}),
        ("match=1", {"match": 1.0}),  # a soft keyword is a fine name
    ],
)
def test_assignments(text: str, expected: dict[str, float]) -> None:
    result = parse_assignments(text)
    assert result == expected and list(result) == list(expected)
    assert all(type(v) is float for v in result.values())


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no assignments given"),
        ("   ", "no assignments given"),
        ("x=2,", "is empty (a stray comma?)"),
        (",x=2", "is empty"),
        ("x=2,,y=3", "assignment 2 of 'x=2,,y=3' is empty"),
        ("x", "missing '=' in 'x'"),
        ("x=2,y", "missing '=' in 'y'"),
        ("x:2", "missing '='"),
        ("=2", "missing name before '='"),
        ("x=", "missing value after '='"),
        ("x=2,x=3", "'x' is assigned twice"),
        ("x=2,ｘ=3", "'x' is assigned twice"),
        ("2x=1", "'2x' is not a valid variable name"),
        ("x y=1", "not a valid variable name"),
        ("x.y=1", "not a valid variable name"),
        ("x\x00=1", "not a valid variable name"),
        ("x=abc", "the value of 'x' is not a number: 'abc'"),
        ("x=inf", "not a number"),
        ("x=nan", "not a number"),
        ("x=1e999", "overflow: the value of 'x' is not finite"),
        ("x=" + "9" * 400, "overflow"),
        ("x=1_000", "not a number"),
        ("x=0x10", "not a number"),
        ("x=1=2", "not a number"),
        ("x=- 3", "not a number"),
        ("x=(2)", "not a number"),
        ("x=2*3", "not a number"),
        ("x=2;y=3", "not a number"),
        ("x=1j", "not a number"),
        ("x=٣", "not a number"),
        ("exp=1", "'exp' is a function name"),
        ("lambda=1", "'lambda' is a Python keyword"),
        ("True=1", "Python keyword"),
        ("x=1\n,y=2\r", None),
        ("a" * (MAX_LENGTH + 1), "assignment list too long"),
    ],
)
def test_assignment_errors(text: str, fragment: str | None) -> None:
    if fragment is None:  # whitespace around parts, newlines included, is allowed
        assert parse_assignments(text) == {"x": 1.0, "y": 2.0}
        return
    with pytest.raises(ExpressionError) as caught:
        parse_assignments(text)
    assert fragment in one_line(caught.value), str(caught.value)


_FIRST = "abcwxyzABCXYZ_θ"
_names = st.builds(
    str.__add__, st.sampled_from(_FIRST), st.text(alphabet=_FIRST + "0123456789", max_size=6)
).filter(lambda n: n not in FUNCTIONS and not keyword.iskeyword(n))


@given(st.dictionaries(_names, st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_assignments_round_trip(values: dict[str, float]) -> None:
    text = ",".join(f"{name}={value!r}" for name, value in values.items())
    assert parse_assignments(text) == values


@given(st.text(max_size=200))
def test_arbitrary_assignment_text_gives_a_dict_or_an_expression_error(text: str) -> None:
    try:
        result = parse_assignments(text)
    except ExpressionError as error:
        one_line(error)
    else:
        assert all(name.isidentifier() and math.isfinite(v) for name, v in result.items())
