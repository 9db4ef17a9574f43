"""Shared test settings: hypothesis profiles sized for CI's 2 cores; the op_name fixture; the
`needs` mark (what a notebook or browser test needs, checked only for tests that run)."""

import os

import pytest
from hypothesis import HealthCheck, settings

from autograd_lite import ops

from .jupyter_session import missing, unavailable

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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.needs(*modules, browser=False)`: checked here, at the setup of a test that
    runs, never when its module is imported, so that a test deselected by `-m "not slow"` (the
    other interpreters of .ci/other_pythons, which install no notebook extra) needs nothing.
    A missing need skips the test, saying why, except on CI, where it fails."""
    for mark in item.iter_markers("needs"):
        reason = missing(mark.args, **mark.kwargs)
        if reason:
            unavailable(reason)
