"""Shared test settings: hypothesis profiles sized for CI's 2 cores."""

import os

from hypothesis import HealthCheck, settings

# "ci" keeps the whole suite well inside its 10-minute budget; "thorough" is for
# a local soak: HYPOTHESIS_PROFILE=thorough python -m pytest
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
