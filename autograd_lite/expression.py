"""Safe parsing of a typed expression into a `Value` graph, for the command line.

`autograd-lite graph "tanh(x*w + b)" --at x=2,w=-3,b=6.88` reads its two
arguments here: `parse_assignments("x=2,w=-3,b=6.88")` gives {name: float},
and `parse(text, values)` gives the root `Value` and one labelled leaf per
variable (shared: `x*x` is one node with two edges from the same leaf).

Nothing typed is ever run as Python: no eval, exec, compile or `ast`. A
tokenizer and a recursive-descent parser accept exactly this grammar (Python's
precedence: `-x**2` is -(x**2), `2**3**2` is 2**9, `2**-1` is 0.5). Reading it
with `ast.parse(mode="eval")` and a whitelist walk was tried: it came out no
shorter, because the tokenizer is still needed (numbers such as `007`, errors in
source order, character columns where `ast` counts UTF-8 bytes).

    expr    := term (('+' | '-') term)*
    term    := factor (('*' | '/') factor)*
    factor  := ('+' | '-') factor | power
    power   := primary ('**' factor)?
    primary := NUMBER | NAME | FUNCTION '(' expr ')' | '(' expr ')'

NUMBER is a decimal literal (`2`, `2.`, `.5`, `1e-3`), always a float;
FUNCTION is one of `FUNCTIONS`; NAME is an identifier (Unicode allowed,
NFKC-normalised as Python does), never a keyword and never a function name.
The parser emits the operations in postfix order; a loop then applies them
with the engine's operators and the rule table's functions, so a number
operand stays a constant of its node (the 2 of `x*2`), and a part without a
variable is computed on floats by the same rules (`log(-1)` fails alike).
Intermediate nodes are labelled with their source text (shortened).

Every problem is an `ExpressionError` (a ValueError) with a one-line message
naming what is wrong and where ("attribute access is not allowed at column 2").

Limits: `MAX_LENGTH` characters, checked before any scanning; `MAX_DEPTH`
levels of nesting (each parenthesis, call, unary sign and `**` right operand
is one level), checked while parsing, so the recursion stays far below
Python's limit; a RecursionError or MemoryError met anyway (a caller already
deep in its stack) becomes an ExpressionError too.

Overflow policy: the engine gives IEEE inf on overflow (exp(1000)); a graph
holding inf teaches nothing, so here a non-finite number is an error: a
literal that overflows (1e999, a 400-digit integer), a non-finite variable
value, and any node whose value becomes inf or nan all raise "overflow: ...".
Domain errors of the engine (log(-1), 1/0, 0**-1) become ExpressionErrors
carrying the engine's message. Gradients are the caller's: `backward()`
keeps the engine's own policy.

Imports from the package: `engine` (Value) and `ops` (the rule table) only.
"""

from __future__ import annotations

import keyword
import math
import numbers
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from .engine import Value
from .ops import RULES, evaluate

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "ExpressionError", "parse", "parse_assignments",
           "variables"]

MAX_LENGTH = 1000  # characters of an expression (or of an assignment list)
MAX_DEPTH = 100  # levels of nesting: parentheses, calls, unary signs, ** right operands
FUNCTIONS = ("abs", "cos", "exp", "log", "relu", "sigmoid", "sin", "sqrt", "tanh")

_SHOWN = 40  # characters of source quoted in a message or used as a label

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SIGNED_NUMBER = re.compile(r"[+-]?" + _NUMBER.pattern)
_COMPLEX = re.compile(_NUMBER.pattern + r"[jJ]")
_SYMBOLS = ("**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=", "->", *"+-*/()%@[]{},.;:=<>&|^~!")

_FORBIDDEN = {
    "//": "floor division '//' is not allowed; use '/'",
    "%": "'%' (remainder) is not allowed",
    "@": "'@' (matrix multiplication) is not allowed",
    "[": "subscripts and lists are not allowed",
    "]": "subscripts and lists are not allowed",
    "{": "sets and dicts are not allowed",
    "}": "sets and dicts are not allowed",
    "^": "'^' is not allowed; write powers as x**2",
    "&": "bitwise operators are not allowed",
    "|": "bitwise operators are not allowed",
    "~": "bitwise operators are not allowed",
    "<<": "bitwise operators are not allowed",
    ">>": "bitwise operators are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "<=": "comparisons are not allowed",
    ">=": "comparisons are not allowed",
    "==": "comparisons are not allowed",
    "!=": "comparisons are not allowed",
    "!": "'!' is not allowed",
    ":=": "assignment expressions (':=') are not allowed",
    "=": "'=' is not allowed in an expression",
    ";": "only one expression is allowed (found ';')",
    ":": "':' is not allowed",
    "->": "'->' is not allowed",
    ",": "commas (tuples) are not allowed",
    ".": "attribute access is not allowed",
}

_KEYWORDS = {
    "lambda": "lambda expressions are not allowed",
    "if": "conditional expressions are not allowed",
    "else": "conditional expressions are not allowed",
    "and": "boolean operators are not allowed",
    "or": "boolean operators are not allowed",
    "not": "boolean operators are not allowed",
    "True": "'True' is not allowed; write a number",
    "False": "'False' is not allowed; write a number",
    "None": "'None' is not allowed; write a number",
}


class ExpressionError(ValueError):
    """An expression or assignment list that cannot be read or computed.

    The message is one line. `column` is the 1-based position of the problem
    in the text when there is one (for a caret under the input), else None.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        message = " ".join(message.splitlines()) or "invalid expression"
        if column is not None:
            message = f"{message} at column {column}"
        super().__init__(message)
        self.column = column


def _show(text: str) -> str:
    """Source text for a message: quoted, escaped (one line), shortened."""
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 3] + "..."
    return repr(text)


def _label(text: str) -> str:
    """Source text as a node label: whitespace runs collapsed, shortened."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _check_text(text: Any, what: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{what}: expected a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{what} too long ({len(text)} characters, limit {MAX_LENGTH})")


# ---------------------------------------------------------------------------
# Tokens.

class _Token(NamedTuple):
    kind: str  # "number", "name", "op" or "end"
    text: str  # the source text; a name NFKC-normalised
    start: int  # index of the first character
    end: int  # index after the last character
    value: float = 0.0  # of a number


def _is_name_start(ch: str) -> bool:
    return ch.isidentifier()  # XID_Start or '_'


def _is_name_part(ch: str) -> bool:
    return ("a" + ch).isidentifier()  # XID_Continue


def _character_error(ch: str, index: int) -> ExpressionError:
    if ch in "'\"":
        return ExpressionError("strings are not allowed", index + 1)
    hint = ""
    if "SUPERSCRIPT" in unicodedata.name(ch, ""):
        hint = " (write powers as x**2)"
    return ExpressionError(f"unexpected character {ch!r}{hint}", index + 1)


def _tokenize(text: str) -> Iterator[_Token]:
    """The tokens of `text`, lazily (so errors come in source order), then an "end" token."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        number = _NUMBER.match(text, i) if ch.isascii() and (ch.isdigit() or ch == ".") else None
        if number:
            end = number.end()
            if end < n and (text[end] == "." or _is_name_part(text[end])):
                tail = end
                while tail < n and (text[tail] == "." or _is_name_part(text[tail])):
                    tail += 1
                if _COMPLEX.fullmatch(text, i, end + 1):
                    shown = _show(text[i : end + 1])
                    raise ExpressionError(f"complex numbers are not allowed ({shown})", i + 1)
                raise ExpressionError(f"invalid number {_show(text[i:tail])}", i + 1)
            value = float(number.group())
            if not math.isfinite(value):
                raise ExpressionError(f"overflow: the number {_show(number.group())} is too large", i + 1)
            yield _Token("number", number.group(), i, end, value)
            i = end
            continue
        if _is_name_start(ch):
            end = i + 1
            while end < n and _is_name_part(text[end]):
                end += 1
            name = unicodedata.normalize("NFKC", text[i:end])
            if end < n and text[end] in "'\"":
                raise ExpressionError("strings are not allowed", end + 1)  # f"...", b'...'
            if keyword.iskeyword(name):
                message = _KEYWORDS.get(name, f"keyword {name!r} is not allowed")
                raise ExpressionError(message, i + 1)
            yield _Token("name", name, i, end)
            i = end
            continue
        for symbol in _SYMBOLS:
            if text.startswith(symbol, i):
                yield _Token("op", symbol, i, i + len(symbol))
                i += len(symbol)
                break
        else:
            raise _character_error(ch, i)
    yield _Token("end", "", n, n)


# ---------------------------------------------------------------------------
# The parser: postfix instructions (kind, argument, start, end).

_Instruction = tuple[str, Any, int, int]


class _Parser:
    def __init__(self, tokens: Iterator[_Token]) -> None:
        self.source = tokens
        self.tokens: list[_Token] = []  # read so far
        self.i = 0
        self.depth = 0
        self.program: list[_Instruction] = []

    # -- helpers ----------------------------------------------------------------
    def peek(self) -> _Token:
        if self.i == len(self.tokens):
            self.tokens.append(next(self.source))
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.peek()
        if token.kind != "end":
            self.i += 1
        return token

    def at(self, *symbols: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in symbols

    def emit(self, kind: str, argument: Any, start: int) -> None:
        self.program.append((kind, argument, start, self.tokens[self.i - 1].end))

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nesting deeper than {MAX_DEPTH} levels", token.start + 1)

    def unexpected(self, token: _Token) -> ExpressionError:
        """The error for `token` found where an operator or the end was expected."""
        column = token.start + 1
        if token.kind in ("name", "number"):
            return ExpressionError(f"missing operator before {_show(token.text)}", column)
        if token.text == ")":
            return ExpressionError("unmatched ')'", column)
        if token.text == "(":
            return ExpressionError(f"only the functions {', '.join(FUNCTIONS)} can be called", column)
        return ExpressionError(_FORBIDDEN.get(token.text, f"unexpected {_show(token.text)}"), column)

    def missing_operand(self, token: _Token) -> ExpressionError:
        """The error for `token` found where a number, a name or '(' was expected."""
        if token.kind == "end":
            before = self.tokens[self.i - 1].text if self.i else ""
            return ExpressionError(f"the expression ends too early, after {_show(before)}")
        if token.text in _FORBIDDEN and token.text not in (".", ",", "="):
            return ExpressionError(_FORBIDDEN[token.text], token.start + 1)
        return ExpressionError(
            f"expected a number, a name or '(' but found {_show(token.text)}", token.start + 1
        )

    def close(self, opening: _Token) -> None:
        if self.at(")"):
            self.take()
            return
        token = self.peek()
        if token.kind == "end":
            raise ExpressionError(f"missing ')' for the '(' at column {opening.start + 1}")
        raise self.unexpected(token)

    # -- grammar ------------------------------------------------------------------
    def parse(self) -> list[_Instruction]:
        if self.peek().kind == "end":
            raise ExpressionError("empty expression")
        self.expression()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(token)
        return self.program

    def expression(self) -> int:
        start = self.term()
        while self.at("+", "-"):
            symbol = self.take().text
            self.term()
            self.emit("binary", symbol, start)
        return start

    def term(self) -> int:
        start = self.factor()
        while self.at("*", "/"):
            symbol = self.take().text
            self.factor()
            self.emit("binary", symbol, start)
        return start

    def factor(self) -> int:
        if not self.at("+", "-"):
            return self.power()
        sign = self.take()
        self.enter(sign)
        self.factor()
        self.depth -= 1
        if sign.text == "-":
            self.emit("neg", None, sign.start)
        return sign.start

    def power(self) -> int:
        start = self.primary()
        if self.at("**"):
            self.enter(self.take())
            self.factor()
            self.depth -= 1
            self.emit("binary", "**", start)
        return start

    def primary(self) -> int:
        token = self.take()
        if token.kind == "number":
            self.emit("number", token.value, token.start)
        elif token.kind == "name" and self.at("("):
            self.call(token)
        elif token.kind == "name":
            if token.text in FUNCTIONS:
                raise ExpressionError(
                    f"{token.text} is a function; call it with one argument: {token.text}(...)",
                    token.start + 1,
                )
            self.emit("name", token.text, token.start)
        elif token.kind == "op" and token.text == "(":
            self.enter(token)
            self.expression()
            self.close(token)
            self.depth -= 1
        else:
            raise self.missing_operand(token)
        if self.at(".", "[", "("):  # x.attr, x[0], (x)(y), exp(x)(y)
            raise self.unexpected(self.peek())
        return token.start

    def call(self, name: _Token) -> None:
        if name.text not in FUNCTIONS:
            raise ExpressionError(
                f"function {_show(name.text)} is not allowed; use one of: {', '.join(FUNCTIONS)}",
                name.start + 1,
            )
        opening = self.take()
        self.enter(opening)
        if self.at(")"):
            raise ExpressionError(f"{name.text}() takes exactly one argument, got none", opening.start + 1)
        self.expression()
        token = self.peek()
        if self.at(","):
            raise ExpressionError(f"{name.text}() takes exactly one argument", token.start + 1)
        if self.at("="):
            raise ExpressionError(f"keyword arguments are not allowed in {name.text}()", token.start + 1)
        self.close(opening)
        self.depth -= 1
        self.emit("call", name.text, name.start)


def _compile(text: str) -> list[_Instruction]:
    """The postfix program of `text`, or an ExpressionError; computes nothing."""
    _check_text(text, "expression")
    try:
        return _Parser(_tokenize(text)).parse()
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression too deeply nested (limit {MAX_DEPTH} levels)") from None


# ---------------------------------------------------------------------------
# Running the program on Values.

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
}
_FLOAT_RULES = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


def _binary(symbol: str, a: Any, b: Any) -> Any:
    if isinstance(a, Value) or isinstance(b, Value):
        return _OPERATORS[symbol](a, b)  # the engine's operators (a number is a constant)
    if symbol == "**":  # a constant power: the rule of x**c, on floats
        return evaluate(RULES["pow_const"], (a,), b)
    return evaluate(RULES[_FLOAT_RULES[symbol]], (a, b))


def _call(name: str, x: Any) -> Any:
    if isinstance(x, Value):
        return getattr(x, name)()
    return evaluate(RULES[name], (x,))


def _variable(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ExpressionError(f"the value of {_show(name)} is not a number ({type(value).__name__})")
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError):
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(f"overflow: the value of {_show(name)} is not finite ({number})")
    return number


def _run(text: str, program: list[_Instruction], values: dict[str, Any]) -> tuple[Value, dict[str, Value]]:
    leaves: dict[str, Value] = {}
    stack: list[Any] = []
    for kind, argument, start, end in program:
        if kind == "number":
            stack.append(argument)
            continue
        if kind == "name":
            leaf = leaves.get(argument)
            if leaf is None:
                leaf = leaves[argument] = Value(_variable(argument, values[argument]), label=argument)
            stack.append(leaf)
            continue
        source = text[start:end]
        try:
            if kind == "neg":
                result = -stack.pop()
            elif kind == "call":
                result = _call(argument, stack.pop())
            else:
                b = stack.pop()
                result = _binary(argument, stack.pop(), b)
        except (ArithmeticError, ValueError) as error:
            raise ExpressionError(f"cannot compute {_show(source)}: {error}") from None
        data = result.data if isinstance(result, Value) else result
        if not math.isfinite(data):
            raise ExpressionError(f"overflow: the value of {_show(source)} is not finite ({data})")
        if isinstance(result, Value) and not result.label:
            result.label = _label(source)
        stack.append(result)
    root = stack.pop()
    if not isinstance(root, Value):  # no variable at all: a constant leaf
        root = Value(root, label=_label(text))
    return root, leaves


def parse(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """The graph of `text` at `values`: (root, {name: leaf}).

    There is one leaf per variable the expression uses, labelled with its
    name, in order of first use; names of `values` that it does not use are
    ignored (compare the keys to warn about them). A name is looked up after
    NFKC normalisation, as Python does. Raises ExpressionError (see the module
    docstring for the grammar, the limits and the overflow policy).
    """
    program = _compile(text)
    if not isinstance(values, Mapping):
        raise TypeError(f"parse: values must be a mapping of names to numbers, got {type(values).__name__}")
    defined = {unicodedata.normalize("NFKC", k): v for k, v in values.items() if isinstance(k, str)}
    used = dict.fromkeys(argument for kind, argument, _, _ in program if kind == "name")
    unknown = [name for name in used if name not in defined]
    if unknown:
        shown = ", ".join(_show(name) for name in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        names = sorted(name if name.isidentifier() else repr(name) for name in defined)
        known = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        plural = "s" if len(unknown) > 1 else ""
        where = f"(defined: {known})" if known else "(no variables are defined)"
        raise ExpressionError(f"unknown name{plural} {shown} {where}")
    try:
        return _run(text, program, defined)
    except (RecursionError, MemoryError):
        raise ExpressionError("expression too large to compute") from None


def variables(text: str) -> list[str]:
    """The variable names `text` uses, in order of first use (NFKC-normalised, as
    `parse` looks them up); computes nothing. Raises ExpressionError as `parse`."""
    return list(dict.fromkeys(argument for kind, argument, _, _ in _compile(text) if kind == "name"))


def parse_assignments(text: str) -> dict[str, float]:
    """{name: value} from "x=2,w=-3,b=6.88" (the --at syntax).

    Comma-separated name=value pairs, spaces allowed around each part; a name
    is an identifier (not a keyword nor a function name, NFKC-normalised as in
    `parse`), a value a decimal number with an optional sign. Empty parts, a
    missing '=', a repeated name, or a value that is not a finite number raise
    ExpressionError.
    """
    _check_text(text, "assignment list")
    if not text.strip():
        raise ExpressionError("no assignments given; write name=value pairs such as x=2,w=-3")
    result: dict[str, float] = {}
    for index, part in enumerate(text.split(","), 1):
        item = part.strip()
        if not item:
            raise ExpressionError(f"assignment {index} of {_show(text)} is empty (a stray comma?)")
        raw_name, equals, raw_value = item.partition("=")
        if not equals:
            raise ExpressionError(f"missing '=' in {_show(item)}; write name=value")
        raw_name, raw_value = raw_name.strip(), raw_value.strip()
        if not raw_name:
            raise ExpressionError(f"missing name before '=' in {_show(item)}")
        if not raw_name.isidentifier():
            raise ExpressionError(f"{_show(raw_name)} is not a valid variable name")
        name = unicodedata.normalize("NFKC", raw_name)
        if keyword.iskeyword(name):
            raise ExpressionError(f"{_show(name)} is a Python keyword, not a variable name")
        if name in FUNCTIONS:
            raise ExpressionError(f"{_show(name)} is a function name, not a variable name")
        if name in result:
            raise ExpressionError(f"{_show(name)} is assigned twice")
        if not raw_value:
            raise ExpressionError(f"missing value after '=' in {_show(item)}")
        if not _SIGNED_NUMBER.fullmatch(raw_value):
            raise ExpressionError(f"the value of {_show(name)} is not a number: {_show(raw_value)}")
        value = float(raw_value)
        if not math.isfinite(value):
            raise ExpressionError(f"overflow: the value of {_show(name)} is not finite ({_show(raw_value)})")
        result[name] = value
    return result
