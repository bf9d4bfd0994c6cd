"""Hypothesis settings for the suites: deterministic, bounded, and no shrinking against a live target.

Shrinking would replay a failing example many times over HTTP; the first
failing example is evidence enough, and the report shows its exchanges.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings


def examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
