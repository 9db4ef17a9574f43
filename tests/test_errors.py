"""Bad input gets a clear error naming the operation and the value: never a wrong number."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, exp, log, sqrt


@pytest.mark.parametrize(
    "make, op, shown",
    [
        (lambda: Value("abc"), "Value", "str"),
        (lambda: Value(None), "Value", "NoneType"),
        (lambda: Value(1j), "Value", "complex"),
        (lambda: Value(1.0) + "a", "add_const", "str"),
        (lambda: "a" + Value(1.0), "add_const", "str"),
        (lambda: Value(1.0) * [1], "mul_const", "list"),
        (lambda: [1] * Value(1.0), "mul_const", "list"),
        (lambda: Value(1.0) - None, "sub_const", "NoneType"),
        (lambda: Value(1.0) / "2", "div_const", "str"),
        (lambda: Value(2.0) ** "2", "pow_const", "str"),
        (lambda: Value(2.0) ** 1j, "pow_const", "complex"),
        (lambda: exp("1"), "exp", "str"),
    ],
)
def test_wrong_types_raise_type_error_naming_op_and_type(make, op, shown):
    with pytest.raises(TypeError) as info:
        make()
    assert op in str(info.value) and shown in str(info.value)


def test_ordering_against_a_non_number_is_a_type_error():
    with pytest.raises(TypeError, match="'<' not supported between instances of 'Value' and 'str'"):
        Value(1.0) < "a"  # noqa: B015


@pytest.mark.parametrize(
    "make, op, value",
    [
        (lambda: Value(-1.0).log(), "log", "-1.0"),
        (lambda: Value(0.0).log(), "log", "0.0"),
        (lambda: log(-2), "log", "-2.0"),
        (lambda: Value(-4.0).sqrt(), "sqrt", "-4.0"),
        (lambda: sqrt(-4.0), "sqrt", "-4.0"),
        (lambda: Value(-8.0) ** (1 / 3), "pow_const", "-8.0"),
        (lambda: Value(-2.0) ** Value(2.0), "pow", "-2.0"),
        (lambda: (-2.0) ** Value(2.0), "rpow_const", "-2.0"),
        (lambda: Value(0.0) ** -1, "pow_const", "0.0"),
        (lambda: Value(0.0) ** Value(-2.0), "pow", "0.0"),
        (lambda: 0 ** Value(-1.0), "rpow_const", "-1.0"),
        (lambda: Value(math.inf).sin(), "sin", "inf"),
        (lambda: Value(10**400), "Value", "1000"),
    ],
)
def test_domain_errors_raise_value_error_naming_op_and_value(make, op, value):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert message.startswith(op + ":") and value in message
    assert "math domain error" != message


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda: Value(1.0) / 0, "div_const"),
        (lambda: Value(1.0) / Value(0.0), "div"),
        (lambda: 1 / Value(0.0), "rdiv_const"),
    ],
)
def test_division_by_zero_names_the_op_and_values(make, op):
    with pytest.raises(ZeroDivisionError, match=rf"^{op}: division by zero: 1\.0 / 0\.0"):
        make()


@pytest.mark.parametrize(
    "make",
    [lambda x: x.sqrt(), lambda x: x**0.5, lambda x: x**0.25],
)
def test_singular_derivative_in_backward_is_a_named_value_error(make):
    y = make(Value(0.0))
    assert y.data == 0.0
    expected = r"^backward: the derivative of (sqrt|pow_const) is not finite at \(0\.0\)"
    with pytest.raises(ValueError, match=expected):
        y.backward()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_exp_overflows_to_inf_and_never_raises(x):
    y = Value(x).exp()
    assert y.data == (math.exp(x) if x < 709 else math.inf)
    assert exp(x) == y.data


@given(st.one_of(st.text(max_size=3), st.none(), st.complex_numbers(), st.lists(st.integers(), max_size=2)))
def test_any_non_number_operand_is_a_type_error(bad):
    for apply in (lambda: Value(1.0) + bad, lambda: Value(1.0) * bad, lambda: Value(bad)):
        with pytest.raises(TypeError, match="expected a Value or a real number"):
            apply()
