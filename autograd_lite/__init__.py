"""autograd_lite: a scalar reverse-mode autodiff engine that makes backprop visible.

The public face. `Value` records every operation into a graph; `backward()`
applies the chain rule node by node. Every op is one entry in `ops.RULES`.
"""

from .engine import Value, gradients, is_grad_enabled, no_grad, topological_order
from .ops import cos, exp, log, relu, sigmoid, sin, sqrt, tanh

__version__ = "0.1.0"

__all__ = [
    "Value",
    "__version__",
    "cos",
    "exp",
    "gradients",
    "is_grad_enabled",
    "log",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
]
