"""The `Value` node, its operator overloads, and the reverse-mode walk.

A `Value` holds a float (`data`), its accumulated gradient (`grad`), its
parents (`_prev`, an ordered tuple: `a*a` has two slots), the `Rule` that made
it (`_rule`, from `ops`), that rule's constant argument (`_arg`, e.g. the 2
of `x**2`) and its label, which also carries the `scope` it was made in (see
`scope`). The parents are stored in two slots, `_a` and `_b`, and `_prev`
builds the tuple when asked: a tuple per node would double the objects the
cyclic garbage collector tracks, which costs a training step more than the
arithmetic (an op with three or more inputs keeps its tuple in `_a`, with
`_b` set to `SEVERAL`, as does every node made microgpt's way,
`Value(data, children, local_grads)`, whose fixed local derivatives are its
`_arg`). A number operand is such an argument, not a node of its own: it
halves the nodes of `x*1.0001 + 0.5` and drawings still show it (in the op).

`gradients(root)` is the pure backward walk: an iterative reverse-topological
pass that returns {node: d root / d node} and writes nothing; `backward()`
adds those numbers to every node's `.grad`, interior nodes included (the
drawings and the delta comparison of BP1-BP4 read interior grads).

Imports only `ops` from the package.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import keyword
import numbers
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar, Union

from . import ops
from .ops import LOCAL_GRADS, RULES, Rule

__all__ = [
    "Value", "apply", "check_arity", "define_op", "enable_grad", "gradients", "is_grad_enabled",
    "local_derivatives", "no_grad", "refuse_local_grads", "scope", "topological_order",
]

Number = int | float
Operand = Union["Value", Number]

# Recording state and scope share one context variable, read once per node by `_node`:
# _STAMP is the label a recorded node gets ("" outside every scope, the scope's tag inside
# one), or None inside no_grad(). _SCOPE is the current scope's tag ("" outside every scope),
# kept apart so that no_grad() and enable_grad() can restore the stamp of the scope they are in.
_STAMP: ContextVar[str | None] = ContextVar("autograd_lite_stamp", default="")
_SCOPE: ContextVar[str] = ContextVar("autograd_lite_scope", default="")

ADD, SUB, MUL, DIV, POW = (RULES[n] for n in ("add", "sub", "mul", "div", "pow"))
ADD_C, SUB_C, RSUB_C, MUL_C = (RULES[n] for n in ("add_const", "sub_const", "rsub_const", "mul_const"))
DIV_C, RDIV_C, POW_C, RPOW_C = (RULES[n] for n in ("div_const", "rdiv_const", "pow_const", "rpow_const"))


def is_grad_enabled() -> bool:
    """False inside `no_grad()`: operations then build no graph."""
    return _STAMP.get() is not None


class no_grad:  # noqa: N801 - named like torch.no_grad, which users know
    """Context manager and decorator: operations inside record no graph.

    Built on `contextvars`, so it is local to a thread or an asyncio task.
    """

    _recording = False

    def __init__(self) -> None:
        self._tokens: list = []

    def __enter__(self) -> no_grad:
        self._tokens.append(_STAMP.set(_SCOPE.get() if self._recording else None))
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Restore only whether recording was on, tagged with the scope open *now*: the stamp
        # saved on entry may name a scope closed since (a generator suspended inside no_grad).
        was = self._tokens.pop().old_value  # Token.MISSING: the default, recording
        _STAMP.set(None if was is None else _SCOPE.get())

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return function(*args, **kwargs)

        return wrapped  # type: ignore[return-value]


class enable_grad(no_grad):  # noqa: N801 - as torch.enable_grad
    """Record graphs again, even inside `no_grad()`: grad(), hessian() and the checkers
    use it, since a derivative taken on an unrecorded graph would silently be 0."""

    _recording = True


F = TypeVar("F", bound=Callable[..., Any])


class _ScopeTag(str):
    """A node's label that also names the scope the node was made in (`.path`).

    Scopes cost no memory per node: a node keeps its scope in its label slot. An
    unlabelled node made in scope "a/b" holds the one shared tag of "a/b", which is the
    empty string as far as str is concerned; a labelled one holds its own tag (only
    labelled nodes, few in a big graph, pay for an object). `Value.label` hands out the
    plain text and `Value.scope` the path.
    """

    path: str


# scope path -> its shared tag. One entry per distinct path ever entered, kept for the life of
# the process (nodes hold the tags, and a path entered again must give the same tag), as
# interned strings are: bounded by the model's scope names, unbounded only if paths are made
# from data (scope(f"step{i}")), which the scope docstring and README advise against.
_TAGS: dict[str, _ScopeTag] = {}


def _scope_tag(path: str, text: str = "") -> _ScopeTag:
    if not text and path in _TAGS:
        return _TAGS[path]
    tag = _ScopeTag(text)
    tag.path = path
    if not text:
        _TAGS[path] = tag
    return tag


def _retag(text: Any, tag: str) -> Any:
    """`text` as the label of a node made in the scope of `tag` ("" or a _ScopeTag).

    A label is a str; None clears it (as ""). micrograd's Value has no label of its own
    (code there sets any attribute), but here the label slot also holds the scope, so
    anything else is refused rather than stored in place of the scope."""
    if text is None:
        text = ""
    elif not isinstance(text, str):
        raise TypeError(f"Value: label must be a str (None clears it), got {type(text).__name__} "
                        f"({_short(text)})")
    if type(text) is _ScopeTag:  # another node's label: its text, not its scope
        text = str.__str__(text)
    if type(tag) is not _ScopeTag:
        return text
    return _scope_tag(tag.path, str.__str__(text))


def _set_scope(tag: str) -> None:
    """Make `tag` ("" or a _ScopeTag) the current scope, recording or not as before."""
    _SCOPE.set(tag)
    if _STAMP.get() is not None:
        _STAMP.set(tag)


class scope:  # noqa: N801 - a context manager named like no_grad
    """Context manager and decorator: nodes made inside carry the scope's name.

    `with scope("layer0"): with scope("attention"): ...` makes nodes whose
    `.scope` is "layer0/attention"; `draw_dot(root, collapse=1)` then draws each
    top-level scope as one box, `draw_dot(root, scope="layer0/attention")` one
    scope's nodes. Built on `contextvars`, like `no_grad`: local to a thread or an
    asyncio task, and restored on the way out even after an exception. The object
    keeps no state, so one `scope` may be entered in many threads at once, and a
    decorated coroutine function runs its whole body in the scope. A scope costs
    no memory per node (see `_ScopeTag`), but each distinct path keeps one small tag
    for the life of the process: name scopes after parts of the model, not after data.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"scope: the name must be a str, got {type(name).__name__} ({_short(name)})")
        if not name or "/" in name:
            raise ValueError(f"scope: a name must be non-empty and contain no '/' (nest scopes to make "
                             f"a path), got {name!r}")
        self.name = name

    def __enter__(self) -> str:
        outer = _SCOPE.get()
        tag = _scope_tag(f"{outer.path}/{self.name}" if type(outer) is _ScopeTag else self.name)
        _set_scope(tag)
        return tag.path

    def __exit__(self, *exc_info: object) -> None:
        # The enclosing scope is the path minus its last name: no token to keep per entry.
        current = _SCOPE.get()
        outer, _, name = getattr(current, "path", "").rpartition("/")
        if name != self.name:
            raise RuntimeError(f"scope: leaving {self.name!r}, but the current scope is "
                               f"{getattr(current, 'path', '') or 'none'!r} (enter scopes with `with`)")
        _set_scope(_scope_tag(outer) if outer else "")

    def __call__(self, function: F) -> F:
        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def awaited(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await function(*args, **kwargs)

            return awaited  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"scope({self.name!r})"


def _as_float(x: Any, op: str) -> float:
    """A number operand as a float, or a TypeError naming the op and the type."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):  # int, bool, NumPy scalars, Fraction
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{op}: {_short(x)} is too large for a float") from None
    raise TypeError(
        f"{op}: expected a Value or a real number, got {type(x).__name__} ({_short(x)})"
    )


def _short(x: Any) -> str:
    shown = repr(x)
    return shown if len(shown) <= 40 else shown[:37] + "..."


_new = object.__new__


SEVERAL = object()  # in `_b`: `_a` holds the tuple of an op's three or more parents


def _node(data: float, a: Any, b: Any, rule: Rule, c: float | None) -> Value:
    """Make the result node of an op on parents a (and b); a plain leaf inside no_grad."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._g = None
    stamp = _STAMP.get()  # "" or the scope's tag when recording (one read serves both)
    if stamp is not None:
        out._label = stamp
        out._a = a
        out._b = b
        out._rule = rule
        out._arg = c
    else:
        out._label = _SCOPE.get()
        out._a = out._b = out._rule = out._arg = None
    return out


def _parent_slots(parents: tuple) -> tuple[Any, Any]:
    """(_a, _b) for a tuple of parents."""
    if len(parents) > 2:
        return parents, SEVERAL
    return (*parents, None, None)[:2]


# _unary, _binary and _with_constant are ops.evaluate unrolled for one and two
# inputs: they run once per node of every forward pass.
def _unary(rule: Rule, x: Value) -> Value:
    try:
        data = rule.forward(x.data)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise ops.domain_error(rule, (x.data,), None, error) from None
    return _node(data, x, None, rule, None)


def _binary(rule: Rule, a: Value, b: Value) -> Value:
    try:
        data = rule.forward(a.data, b.data)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise ops.domain_error(rule, (a.data, b.data), None, error) from None
    return _node(data, a, b, rule, None)


def _with_constant(rule: Rule, x: Value, c: Any) -> Value:
    c = _as_float(c, rule.name)
    try:
        data = rule.forward(x.data, c)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise ops.domain_error(rule, (x.data,), c, error) from None
    return _node(data, x, None, rule, c)


def apply(rule: Rule, *inputs: Operand, c: float | None = None) -> Value:
    """Build the node of `rule` on `inputs` (Values or numbers): how define_op's ops run."""
    for v in inputs:  # a Value subclass that evaluates rules itself (forward mode's Dual)
        if type(v) is not Value and hasattr(type(v), "apply_rule"):
            return type(v).apply_rule(rule, inputs, c)
    check_arity(rule, len(inputs))
    parents = tuple(v if isinstance(v, Value) else Value(_as_float(v, rule.name)) for v in inputs)
    data = ops.evaluate(rule, tuple(p.data for p in parents), c)
    return _node(_as_float(data, rule.name), *_parent_slots(parents), rule, c)


def check_arity(rule: Rule, n: int) -> None:
    """A TypeError naming the op unless it takes n inputs (a variadic rule: any n >= 1)."""
    if rule.arity is None:
        if n < 1:
            raise TypeError(f"{rule.name}: takes one or more inputs, got none")
    elif n != rule.arity:
        raise TypeError(f"{rule.name}: takes {rule.arity} inputs, got {n}")


def define_op(name: str, forward: Callable[..., float], partials: Callable[..., Any],
              label: str | None = None, *, arity: int | None = None,
              replace: bool = False) -> Callable[..., Any]:
    """Add an op to the rule table, as the built-ins are, and return its function.

    `forward(x1, ..., xn)` computes on floats (n is the op's arity);
    `partials(x1, ..., xn, out)` returns the n local derivatives, written with
    arithmetic and autograd_lite's functions (`exp`, `sin`, ...) so that it
    works on floats and on Values: the op then differentiates to any order.
    The returned function gives a float for numbers and a node for Values.
    `arity` is read from forward's signature unless given (needed for builtins
    such as math.hypot, whose signature Python cannot show). A forward taking
    only `*xs`, or `arity=-1`, makes a variadic op: any number n >= 1 of inputs,
    and partials return one local derivative per input. `replace=True`
    redefines an op defined earlier with define_op (a notebook cell run twice);
    a built-in op is never replaced.
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"define_op: the name must be a Python identifier, got {name!r}")
    if arity is None:
        arity = _positional_arity(forward, name)
    if type(arity) is not int or (arity < 1 and arity != -1):
        raise TypeError(f"define_op {name!r}: forward must take at least one input, got arity {arity!r}")
    variadic = arity == -1
    for n in (1, 2) if variadic else (arity,):  # a variadic op: one input, and more than one
        inputs = f"{n} input{'s' if n > 1 else ''}"
        _check_takes(forward, n, f"define_op {name!r}: forward cannot take {inputs}")
        _check_takes(partials, n + 1, f"define_op {name!r}: partials cannot take {n + 1} arguments "
                                      f"({inputs}, then out)")
    if replace and name in RULES and name not in ops.BUILTIN_OPS:
        del RULES[name]

    def checked_partials(*args: Any) -> tuple:
        local = tuple(partials(*args))
        n = len(args) - 1 if variadic else arity  # partials(x1, ..., xn, out)
        if len(local) != n:
            raise TypeError(f"{name}: partials returned {len(local)} values for {n} inputs")
        return local

    symbol = label or name
    # In the tape's code the op is called as op_<name>: no clash with its variables (L, v1, g1).
    inputs = "{*}" if variadic else ", ".join(f"{{{i}}}" for i in range(arity))
    rule = ops.register(Rule(name, None if variadic else arity, forward, checked_partials, symbol,
                             f"op_{name}({inputs})"))
    ops.CODE_FUNCTIONS[f"op_{name}"] = forward

    def function(*inputs: Any) -> Any:
        if any(isinstance(x, Value) for x in inputs):
            return apply(rule, *inputs)
        check_arity(rule, len(inputs))
        return _as_float(ops.evaluate(rule, tuple(_as_float(x, name) for x in inputs)), name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}: an op defined with define_op (a float for numbers, a node for Values)."
    function.rule = rule  # type: ignore[attr-defined]
    return function


def _check_takes(function: Callable[..., Any], n: int, refusal: str) -> None:
    """A TypeError (`refusal`, and the signature) unless `function` can be called with n
    positional arguments; a signature Python cannot read (a builtin) is taken on trust."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*[0.0] * n)
    except TypeError:
        raise TypeError(f"{refusal}: its signature is {signature}") from None


def _positional_arity(forward: Callable[..., float], name: str) -> int:
    """The number of inputs forward's signature shows; -1 (variadic) for a forward of `*xs` alone."""
    try:
        parameters = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        parameters = None
    fixed = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters or ())
    if parameters is not None and any(p.kind == p.VAR_POSITIONAL for p in parameters):
        if fixed == 0:
            return -1
        parameters = None  # x, *more: ambiguous
    if parameters is None:
        raise TypeError(f"define_op {name!r}: cannot read how many inputs forward takes; "
                        "pass arity= (-1 for any number)")
    return fixed


class Value:
    """A scalar in a computation graph: data, grad, and how it was made."""

    # _g is the eager backward walk's scratch: None between walks (see _float_backward).
    # _label holds the label and the scope together (see _ScopeTag): `label` and `scope` read it.
    __slots__ = ("_a", "_arg", "_b", "_g", "_label", "_rule", "data", "grad")

    def __init__(self, data: Number, _children: tuple = (), _op: str | tuple | list = "",
                 label: str | None = "", *, local_grads: tuple | list | None = None) -> None:
        """Value(3.0) is a leaf. `_children`/`_op` exist for micrograd code that builds nodes itself;
        `Value(data, children, local_grads)` (numbers as the third argument, or `local_grads=`)
        is microgpt's way: a node whose local derivatives are those fixed numbers."""
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad: Any = 0.0
        self._label = _SCOPE.get() if label == "" else _retag(label, _SCOPE.get())
        self._g = None
        if not _children and not _op and local_grads is None:  # a leaf: the common case, kept short
            self._a = self._b = self._rule = self._arg = None
            return
        if local_grads is not None or not isinstance(_op, str):
            _with_local_grads(self, _children, _op, local_grads)
        else:
            parents = _as_children(_children)
            self._a, self._b = _parent_slots(parents)
            self._rule, self._arg = _rule_for(_op, parents)
        if _STAMP.get() is None:  # inside no_grad: checked as ever, but a leaf, as ops make there
            self._a = self._b = self._rule = self._arg = None

    # -- label and scope ---------------------------------------------------------
    @property
    def label(self) -> str:
        """The node's name in drawings ("" if none); setting it keeps the node's scope."""
        label = self._label
        return str.__str__(label) if type(label) is _ScopeTag else label

    @label.setter
    def label(self, text: str | None) -> None:
        self._label = _retag(text, self._label)

    @property
    def scope(self) -> str:
        """The full path of the scope the node was made in ("layer0/attention"), "" if none."""
        return getattr(self._label, "path", "")

    # -- micrograd's view ---------------------------------------------------
    @property
    def _prev(self) -> tuple:
        """The parents, in operand order (micrograd's name; here a tuple, so a*a has two)."""
        a = self._a
        if a is None:
            return ()
        b = self._b
        if b is None:
            return (a,)
        return a if b is SEVERAL else (a, b)

    @_prev.setter
    def _prev(self, parents: tuple) -> None:
        parents = tuple(parents)
        if getattr(self, "_rule", None) is LOCAL_GRADS:  # keeps the form its walk reads
            self._a, self._b = parents, SEVERAL
        else:
            self._a, self._b = _parent_slots(parents)

    @property
    def _op(self) -> str:
        """The op text micrograd shows: '+', '*', '**2', 'ReLU', ... ('' for a leaf)."""
        return "" if self._rule is None else self._rule.display(self._arg)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    def __float__(self) -> float:
        return self.data

    # -- arithmetic ------------------------------------------------------------
    def __add__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(ADD, self, other)
        return _with_constant(ADD_C, self, other)

    def __radd__(self, other: Number) -> Value:
        return _with_constant(ADD_C, self, other)  # c + x = x + c exactly in IEEE

    def __sub__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(SUB, self, other)
        return _with_constant(SUB_C, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _with_constant(RSUB_C, self, other)

    def __mul__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(MUL, self, other)
        return _with_constant(MUL_C, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _with_constant(MUL_C, self, other)  # c * x = x * c exactly in IEEE

    def __truediv__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(DIV, self, other)
        return _with_constant(DIV_C, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _with_constant(RDIV_C, self, other)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(POW, self, other)
        return _with_constant(POW_C, self, other)

    def __rpow__(self, other: Number) -> Value:
        return _with_constant(RPOW_C, self, other)

    def __neg__(self) -> Value:
        return _unary(RULES["neg"], self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(RULES["abs"], self)

    # -- named functions (the same rules as autograd_lite.exp(x) etc.) ---------
    def exp(self) -> Value:
        return _unary(RULES["exp"], self)

    def log(self) -> Value:
        return _unary(RULES["log"], self)

    def tanh(self) -> Value:
        return _unary(RULES["tanh"], self)

    def sigmoid(self) -> Value:
        return _unary(RULES["sigmoid"], self)

    def softplus(self) -> Value:
        return _unary(RULES["softplus"], self)

    def relu(self) -> Value:
        return _unary(RULES["relu"], self)

    def sin(self) -> Value:
        return _unary(RULES["sin"], self)

    def cos(self) -> Value:
        return _unary(RULES["cos"], self)

    def sqrt(self) -> Value:
        return _unary(RULES["sqrt"], self)

    def abs(self) -> Value:
        return _unary(RULES["abs"], self)

    # -- ordering compares the numbers; == stays identity (nodes are dict keys) --
    def __lt__(self, other: Operand) -> bool:
        other = _data(other)
        return NotImplemented if other is NotImplemented else self.data < other

    def __le__(self, other: Operand) -> bool:
        other = _data(other)
        return NotImplemented if other is NotImplemented else self.data <= other

    def __gt__(self, other: Operand) -> bool:
        other = _data(other)
        return NotImplemented if other is NotImplemented else self.data > other

    def __ge__(self, other: Operand) -> bool:
        other = _data(other)
        return NotImplemented if other is NotImplemented else self.data >= other

    # -- gradients -----------------------------------------------------------
    def backward(self, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
        """Add d self / d node to `.grad` of every node of the graph, interior ones too.

        Gradients accumulate: calling it twice doubles every `.grad`. With
        `create_graph=True` the gradients are Values (graphs themselves).
        """
        if not create_graph:
            with collector_paused():
                _float_backward(self, _as_float(gradient, "backward"), None)
            return
        grads = gradients(self, gradient, create_graph=create_graph, who="backward(create_graph=True)")
        for node, grad in grads.items():  # 0.0 + a Value would add a node to its graph
            current = node.grad
            node.grad = grad if type(current) is float and current == 0.0 else current + grad

    def zero_grad(self) -> None:
        """Set `.grad` to 0.0 on every node of this graph."""
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self.data, label=self.label)

    def __getstate__(self) -> dict:
        # copy.copy and pickle leave the walk's scratch behind: a twin starts with `_g` None.
        return {name: getattr(self, name) for name in Value.__slots__ if name != "_g"}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._g = None

    def __deepcopy__(self, memo: dict) -> Value:
        # Iterative, so a deep graph copies without recursion; parents first.
        import copy

        for node in topological_order(self):
            if id(node) in memo:
                continue
            twin = _new(Value)
            twin.data = node.data
            memo[id(node)] = twin  # before its grad: a create_graph grad is a graph holding node
            twin.grad = copy.deepcopy(node.grad, memo)
            twin._label = node._label
            twin._g = None
            twin._rule = node._rule  # before _prev, which keeps a local-grads node's form
            twin._prev = tuple(memo[id(p)] for p in node._prev)
            twin._arg = node._arg
        return memo[id(self)]


def _as_children(children: Any) -> tuple:
    """A node's children as a tuple: a tuple or list only, as the order pairs each child with
    its op slot or local derivative (a set or a dict's keys have no order to pair by)."""
    if type(children) is tuple:
        return children
    if isinstance(children, (tuple, list)):
        return tuple(children)
    raise TypeError(f"Value: children must be a tuple or list of Values, got {type(children).__name__} "
                    f"({_short(children)})")


def _with_local_grads(self: Value, children: Any, op: Any, local_grads: Any) -> None:
    """Make `self` microgpt's node: `children` with the fixed local derivatives `local_grads`."""
    if local_grads is None:
        local_grads = op
    elif op != "":
        raise TypeError(f"Value: give the local derivatives once, as the third argument or as "
                        f"local_grads=, not both (got {_short(op)} and {_short(local_grads)})")
    parents = _as_children(children)
    if not isinstance(local_grads, (tuple, list)):
        raise TypeError(f"Value: local_grads must be a tuple or list of numbers, got "
                        f"{type(local_grads).__name__} ({_short(local_grads)})")
    if len(parents) != len(local_grads):
        raise ValueError(f"Value: {len(parents)} children but {len(local_grads)} local_grads; "
                         "give one local derivative per child")
    if not parents:  # Value(x, (), ()): microgpt's leaf
        self._a = self._b = self._rule = self._arg = None
        return
    for p in parents:
        if not isinstance(p, Value):
            raise TypeError(f"Value: children must be Values, got {type(p).__name__} ({_short(p)})")
        if type(p) is not Value and hasattr(type(p), "apply_rule"):  # forward mode's Dual
            raise TypeError("Value: a node with fixed local_grads cannot carry forward mode's "
                            "tangent (jvp): define the op with define_op(name, forward, partials)")
    grads = local_grads if type(local_grads) is tuple else tuple(local_grads)
    for g in grads:
        if type(g) is not float:
            if isinstance(g, numbers.Real):
                grads = tuple(_as_float(d, "Value local_grads") for d in grads)
                break
            raise TypeError(f"Value: local_grads must be numbers, got {type(g).__name__} ({_short(g)})")
    # Always the tuple form, so the walk meets it where it reads `_arg` as the partials.
    self._a, self._b = parents, SEVERAL
    self._rule, self._arg = LOCAL_GRADS, grads


def _data(x: Any) -> Any:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return x
    return NotImplemented  # Python then raises its clear TypeError naming '<' and the types


def _rule_for(op: str, parents: tuple) -> tuple[Rule | None, float | None]:
    """The rule behind micrograd's op text ('+', '**2', 'ReLU', ...) for hand-built nodes."""
    for p in parents:
        if not isinstance(p, Value):
            raise TypeError(f"Value: _children must be Values, got {type(p).__name__}")
    for rule in RULES.values():
        if rule.arity != len(parents) and not (rule.arity is None and parents):
            continue
        if not rule.const and op in (rule.symbol, rule.name):
            return rule, None
        if rule.const and "{c}" in rule.symbol:
            head, _, tail = rule.symbol.partition("{c}")
            if op.startswith(head) and op.endswith(tail) and len(op) > len(head) + len(tail):
                try:
                    return rule, float(op[len(head): len(op) - len(tail)])
                except ValueError:
                    continue
    raise ValueError(
        f"Value: no rule for op {op!r} with {len(parents)} input(s); "
        "leaves take neither _children nor _op (see define_op for new ops)"
    )


# ---------------------------------------------------------------------------
# The backward walk.

def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, parents before children, root last (no recursion)."""
    order: list[Value] = []
    seen = {root}
    path = [root]  # the current depth-first path; a node leaves it once its parents are done
    while path:
        node = path[-1]
        a = node._a  # the parent slots are read directly: this loop runs once per node and edge
        if a is not None:
            b = node._b
            if b is SEVERAL:
                unseen = next((p for p in a if p not in seen), None)
            elif a not in seen:
                unseen = a
            elif b is not None and b not in seen:
                unseen = b
            else:
                unseen = None
            if unseen is not None:
                seen.add(unseen)
                path.append(unseen)
                continue
        order.append(path.pop())
    return order


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for bulk work, then restore its state.

    The engine makes no reference cycles, but tens of thousands of live nodes
    still trigger full collections that cost more than the work itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def gradients(root: Value, gradient: Operand = 1.0, *, create_graph: bool = False,
              on_step: Callable[[Value, tuple, dict], None] | None = None, who: str = "") -> dict:
    """{node: d root / d node} for every node of root's graph; writes no `.grad`.

    `on_step(node, local_partials, grads_so_far)`, if given, is called after
    each node has passed its gradient to its parents (in reverse topological
    order): the step-by-step backprop page watches the walk this way.

    Eagerly the partials of each rule are evaluated on floats; with
    `create_graph=True` the same partials are evaluated on the Values
    themselves, so each gradient is a Value whose graph can be differentiated
    again. A partial that is infinite where it is evaluated (sqrt at 0, 1/x at
    0) raises a ValueError naming the op: a gradient is never silently inf.
    `who` names the caller in errors (grad, hessian; default "gradients(create_graph=True)").
    """
    if not isinstance(root, Value):
        raise TypeError(f"gradients: expected a Value, got {type(root).__name__}")
    seed = gradient if create_graph and isinstance(gradient, Value) else _as_float(gradient, "backward")
    with collector_paused():
        if not create_graph and on_step is None:
            grads: dict[Value, float] = {}
            _float_backward(root, seed, grads)
            return grads
        return _general_walk(topological_order(root), seed, create_graph, on_step,
                             who or "gradients(create_graph=True)")


def _general_walk(order: list[Value], seed: Any, create_graph: bool,
                  on_step: Callable[[Value, tuple, dict], None] | None, who: str) -> dict:
    """The walk for create_graph (partials on Values, recorded even inside no_grad) and on_step."""
    root = order[-1]
    if create_graph:
        refuse_local_grads(order, who)
    with enable_grad() if create_graph else contextlib.nullcontext():
        grads: dict[Value, Any] = {root: seed}
        for node in reversed(order):
            rule = node._rule
            grad = grads.get(node)
            if rule is None or grad is None:
                continue
            parents = node._prev
            try:
                if create_graph:
                    local = rule.partials(*parents, node, *(() if node._arg is None else (node._arg,)))
                else:
                    local = local_derivatives(node)
            except (ZeroDivisionError, OverflowError, ValueError) as error:
                raise _singular(node, error) from None
            if create_graph:
                _accumulate_graph(grads, parents, local, grad)
            else:
                _accumulate_floats(grads, parents, local, grad)
            if on_step is not None:
                on_step(node, local, grads)
    if create_graph:  # a gradient that came out constant is still a Value, as in PyTorch
        return {node: g if isinstance(g, Value) else Value(g) for node, g in grads.items()}
    return grads


def local_derivatives(node: Value) -> tuple:
    """The rule's partials at an op node, on floats: what backward multiplies its gradient by."""
    return node._rule.partials(*[p.data for p in node._prev], node.data,
                               *(() if node._arg is None else (node._arg,)))


def refuse_local_grads(order: list[Value], who: str) -> None:
    """A TypeError naming the first node made as Value(data, children, local_grads): its local
    derivatives are numbers, with no rule to evaluate them again (on Values, on new data)."""
    for node in order:
        if node._rule is LOCAL_GRADS:
            raise TypeError(
                f"{who}: the graph holds {node!r}, made as Value(data, children, local_grads), whose "
                "local derivatives are fixed numbers with no rule behind them: it can be walked back "
                "once (backward()) but not replayed nor differentiated again. Define the op with "
                "autograd_lite.define_op(name, forward, partials) instead")


def _singular(node: Value, error: Exception) -> ValueError:
    inputs = ", ".join(repr(p.data) for p in node._prev)
    return ValueError(f"backward: the derivative of {node._rule.name} is not finite at ({inputs}): {error}")


def _accumulate_floats(grads: dict, parents: tuple, local: tuple, grad: float) -> None:
    for parent, partial in zip(parents, local):
        if parent in grads:
            grads[parent] += partial * grad
        else:
            grads[parent] = partial * grad


class _Probe:
    """An argument that supports nothing, not even == or truth: partials that return numbers
    without touching their arguments are constant (the 1.0, 1.0 of add), found once per rule."""

    __slots__ = ()

    def _refuse(self, *args: Any) -> Any:
        raise TypeError("a probe has no value")

    __eq__ = __ne__ = __bool__ = _refuse  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def _constant_partials(rule: Rule) -> tuple | None:
    """A built-in rule's partials if they do not depend on the inputs (nor on the node's
    constant), read from the rule table once: the walk then need not call them per node."""
    if rule.name not in ops.BUILTIN_OPS or rule.arity is None:
        return None  # a user's partials are called as written, every time
    probes = [_Probe() for _ in range(rule.arity + 1 + rule.const)]
    try:
        local = tuple(rule.partials(*probes))
        if not all(type(p) is float for p in local):
            return None
        # A cheap guard against partials that test their arguments' type without touching
        # them (isinstance): the same floats at two real points, or they are not constant.
        if any(tuple(rule.partials(*args)) != local for args in _two_points(rule)):
            return None
    except Exception:  # they read an input (or fail at a real point): not constant
        return None
    return local


def _two_points(rule: Rule) -> Iterator[tuple]:
    """partials' arguments (inputs, the node's value, c) at two points inside the rule's
    sample intervals (or of (0.25, 0.75) where it gives none)."""
    n = rule.arity + rule.const
    intervals = rule.sample if len(rule.sample) == n else ((0.25, 0.75),) * n
    for t in (0.3, 0.7):
        point = [lo + t * (hi - lo) for lo, hi in intervals]
        xs, c = (point[:-1], point[-1]) if rule.const else (point, None)
        yield (*xs, ops.evaluate(rule, tuple(xs), c), *([c] if rule.const else []))


_CONSTANT = {rule: local for rule in RULES.values() if (local := _constant_partials(rule)) is not None}


# One eager walk at a time keeps its gradients in the nodes' `_g` slots; a walk that starts
# while another holds this lock (a backward() inside a define_op's partials, another thread)
# takes the dict-based general walk instead, which shares no scratch with anyone.
_SLOT_WALK = threading.Lock()


def _float_backward(root: Value, seed: float, grads: dict | None) -> None:
    """The eager walk: d root / d node for every node, into `grads` if given (gradients()),
    else added to each node's `.grad` (backward()). The hot loop of every training step."""
    if not _SLOT_WALK.acquire(blocking=False):  # another walk is using the slots right now
        found = _general_walk(topological_order(root), seed, False, None,
                              "backward" if grads is None else "gradients")
        if grads is None:
            for node, grad in found.items():
                node.grad += grad
        else:
            grads.update(found)
        return
    try:
        _slot_walk(root, seed, grads)
    finally:
        _SLOT_WALK.release()


def _slot_walk(root: Value, seed: float, grads: dict | None) -> None:
    """`_float_backward` while it holds the slots: `topological_order` and `_general_walk`
    on floats, specialised for one and two parents, with the gradients kept in each node's
    `_g` slot instead of a dict (a slot costs a third of a dict lookup, and the walk does
    one per edge). `mark`, an object new to this walk, says "seen by the sort, no gradient
    yet": whatever else a slot holds (None, or a stale number left by a walk that was
    interrupted, or copied along with a node) counts as unseen. Every `_g` is None again
    afterwards, even on an exception, which writes no `.grad`. Same order of nodes and of
    accumulation as `topological_order` and the tape: the same bits.
    """
    order: list[Value] = []
    mark = object()
    root._g = mark
    path = [root]
    push, pop, emit = path.append, path.pop, order.append  # bound once: the sort calls them per node
    done = False
    constants = _CONSTANT
    try:
        while path:  # topological_order, with `_g is not mark` as "not seen"
            node = path[-1]
            a = node._a
            if a is not None:
                b = node._b
                if b is SEVERAL:
                    unseen = next((p for p in a if p._g is not mark), None)
                elif a._g is not mark:
                    unseen = a
                elif b is not None and b._g is not mark:
                    unseen = b
                else:
                    unseen = None
                if unseen is not None:
                    unseen._g = mark
                    push(unseen)
                    continue
            emit(pop())
        root._g = seed
        for node in reversed(order):
            rule = node._rule
            if rule is None:
                continue
            grad = node._g  # final: every consumer of node has passed its share
            a, b = node._a, node._b
            constant = constants.get(rule)
            try:
                if b is None:
                    if constant is not None:
                        (da,) = constant
                    elif node._arg is None:
                        (da,) = rule.partials(a.data, node.data)
                    else:
                        (da,) = rule.partials(a.data, node.data, node._arg)
                    g = a._g
                    a._g = da * grad if g is mark else g + da * grad
                    continue
                if b is not SEVERAL:
                    da, db = rule.partials(a.data, b.data, node.data) if constant is None else constant
                    g = a._g
                    a._g = da * grad if g is mark else g + da * grad
                    g = b._g
                    b._g = db * grad if g is mark else g + db * grad
                    continue
                # three or more inputs, a variadic op, or microgpt's node (its _arg: the partials)
                local = node._arg if rule is LOCAL_GRADS else local_derivatives(node)
            except (ZeroDivisionError, OverflowError, ValueError) as error:
                raise _singular(node, error) from None
            for parent, partial in zip(a, local):
                g = parent._g
                parent._g = partial * grad if g is mark else g + partial * grad
        # Only now, all gradients known, is anything written: a failed walk writes nothing.
        if grads is None:
            for node in order:
                node.grad += node._g
                node._g = None
        else:
            for node in order:
                grads[node] = node._g
                node._g = None
        done = True
    finally:
        if not done:  # an exception: leave no scratch behind
            for node in (*order, *path):
                node._g = None


def _accumulate_graph(grads: dict, parents: tuple, local: tuple, grad: Any) -> None:
    # Same chain rule on Values; skip the * 1.0 and + 0.0 nodes a float would not need.
    for parent, partial in zip(parents, local):
        if type(partial) is float:
            if partial == 0.0:
                continue
            term = grad if partial == 1.0 else (-grad if partial == -1.0 else grad * partial)
        else:
            term = partial * grad
        grads[parent] = grads[parent] + term if parent in grads else term
