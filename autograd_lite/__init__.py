"""autograd_lite: a scalar reverse-mode autodiff engine that makes backprop visible.

The public face. `Value` records every operation into a graph; `backward()`
applies the chain rule node by node. Every op is one entry in `ops.RULES`.
"""

from .check import EngineReport, LayerReport, check_engine, check_graph, check_layer
from .engine import (
    Value,
    define_op,
    enable_grad,
    gradients,
    is_grad_enabled,
    no_grad,
    scope,
    topological_order,
)
from .explain import explain
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad
from .gradcheck import GradcheckError, GradientReport, check_grad, gradcheck, gradgradcheck
from .ops import cos, exp, log, relu, sigmoid, sin, softplus, sqrt, tanh
from .shown import show
from .softmax import log_softmax, logsumexp, softmax, softmax_cross_entropy

__version__ = "0.1.0"

__all__ = [
    "EngineReport",
    "GradcheckError",
    "GradientReport",
    "LayerReport",
    "Value",
    "__version__",
    "check_engine",
    "check_grad",
    "check_graph",
    "check_layer",
    "cos",
    "define_op",
    "enable_grad",
    "exp",
    "explain",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "log",
    "log_softmax",
    "logsumexp",
    "no_grad",
    "relu",
    "scope",
    "show",
    "sigmoid",
    "sin",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "tanh",
    "topological_order",
    "value_and_grad",
]
