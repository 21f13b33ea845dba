"""The documented health score formula, factor by factor."""

from __future__ import annotations

import pytest

from registry.scoring import FORMULA, ScoreInputs, factors, instance_score, tag_score


def inputs(**kw: object) -> ScoreInputs:
    base: dict[str, object] = {"status": "running", "heartbeat_age": 0.0, "interval": 30.0, "error_after": 90.0}
    base.update(kw)
    return ScoreInputs(**base)  # type: ignore[arg-type]


def test_a_fresh_quiet_instance_scores_100() -> None:
    assert instance_score(inputs()) == 100


@pytest.mark.parametrize(("age", "expected"), [(45.0, 100), (67.5, 50), (90.0, 0), (200.0, 0)])
def test_heartbeat_age_gates_the_score(age: float, expected: int) -> None:
    assert instance_score(inputs(heartbeat_age=age)) == expected


def test_error_window_shorter_than_grace_is_a_step() -> None:
    assert factors(inputs(heartbeat_age=10, interval=10, error_after=12))["heartbeat"] == 1.0
    assert factors(inputs(heartbeat_age=16, interval=10, error_after=12))["heartbeat"] == 0.0


def test_each_factor_weighs_as_documented() -> None:
    assert instance_score(inputs(scrape_failures=1, failures_before_error=2)) == round(100 * (1 - 0.35 / 2))
    assert instance_score(inputs(failure_rate=0.25)) == 85  # F = 0.5 -> -15
    assert instance_score(inputs(failure_rate=0.9)) == 70  # F = 0 -> -30
    assert instance_score(inputs(queue_depth=500, alive_replicas=1, backlog_per_replica=1000)) == 92  # B = 0.5
    assert instance_score(inputs(queue_depth=5000, alive_replicas=2, backlog_per_replica=1000)) == 85  # B = 0
    assert instance_score(inputs(reported=0)) == 80
    assert (
        instance_score(
            inputs(scrape_failures=3, failures_before_error=3, failure_rate=1, queue_depth=10**6, reported=0)
        )
        == 0
    )


@pytest.mark.parametrize("status", ["error", "stopped"])
def test_error_and_stopped_score_zero(status: str) -> None:
    assert instance_score(inputs(status=status)) == 0


def test_tag_score_ignores_stopped_instances() -> None:
    assert tag_score([("running", 100), ("running", 80), ("stopped", 0)]) == 90
    assert tag_score([("running", 100), ("error", 0)]) == 50
    assert tag_score([("stopped", 0)]) == 0
    assert tag_score([]) == 0


def test_formula_is_documented() -> None:
    for name in ("H", "S", "F", "B", "W", "error_after", "backlog_per_replica"):
        assert name in FORMULA
