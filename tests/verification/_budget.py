"""How hard the verification tests search: CI-friendly by default, deeper on request.

``TRIO_REALTIME_DEEP=1`` multiplies every example count here by 30 (any other number is taken
as the factor, e.g. ``TRIO_REALTIME_DEEP=200``) and stateful runs take three times the steps.
The whole directory runs in well under a minute on one core by default.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_RAW = os.environ.get("TRIO_REALTIME_DEEP", "")
FACTOR = 1 if _RAW in ("", "0") else (30 if _RAW == "1" else max(1, int(_RAW)))


def budget(examples: int, *, steps: int | None = None) -> settings:
    """Settings for ``examples`` examples (times the depth factor), without a deadline."""
    if steps is None:
        return settings(
            max_examples=examples * FACTOR,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
    return settings(
        max_examples=examples * FACTOR,
        stateful_step_count=steps * (3 if FACTOR > 1 else 1),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
