"""Shared test settings: hypothesis profiles sized for CI's 2 cores; the op_name fixture."""

import os

import pytest
from hypothesis import HealthCheck, settings

from autograd_lite import ops

# "ci" keeps the whole suite well inside its 10-minute budget; "thorough" is for
# a local soak: HYPOTHESIS_PROFILE=thorough python -m pytest
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def op_name(request):
    """A fresh op name per test, removed from the table afterwards."""
    made = []

    def make(base: str) -> str:
        name = f"test_{base}_{request.node.name}".replace("[", "_").replace("]", "_")
        made.append(name)
        return name

    yield make
    for name in made:
        ops.RULES.pop(name, None)
        ops.CODE_FUNCTIONS.pop(f"op_{name}", None)
