"""Health score 0-100 of an instance and of a tag, from documented inputs (see ``FORMULA``).

Factors, each in [0, 1]:

- ``H`` heartbeat age ``a``: 1 while ``a <= 1.5 x interval``, then linear down to 0 at ``error_after``;
- ``S`` scrape success: ``1 - min(f, n) / n`` for ``f`` consecutive failed ``/metrics`` check runs,
  ``n = scrape_failures_before_error``;
- ``F`` task failure rate ``r`` (failed / finished over the last scrape window): ``1 - min(1, 2r)``;
- ``B`` queue backlog: ``1 - min(1, depth / (backlog_per_replica x alive replicas))``;
- ``W`` the instance's own reported score / 100 (deep checks), 1 when not reported.

``score = round(100 x H x (0.35 S + 0.30 F + 0.15 B + 0.20 W))``; ``error`` and ``stopped`` score 0.
Heartbeat age gates everything (a silent instance is worth nothing whatever it said last).
A tag's score is the mean over its instances that are not ``stopped`` (0 when none is left).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "FACTOR_NAMES",
    "FORMULA",
    "WEIGHTS",
    "ScoreInputs",
    "compute",
    "factors",
    "instance_score",
    "named",
    "tag_score",
]

WEIGHTS = {"scrape": 0.35, "failure_rate": 0.30, "backlog": 0.15, "reported": 0.20}

FORMULA = (
    "score = round(100 * H * (0.35*S + 0.30*F + 0.15*B + 0.20*W)); "
    "H = 1 if heartbeat_age <= 1.5*interval else linear to 0 at error_after; "
    "S = 1 - min(scrape_failures, n)/n; F = 1 - min(1, 2*failure_rate); "
    "B = 1 - min(1, queue_depth/(backlog_per_replica*alive_replicas)); W = reported_score/100 (1 if absent); "
    "error/stopped = 0; tag = mean over instances not stopped"
)


@dataclass(frozen=True)
class ScoreInputs:
    """What the score of one instance is computed from."""

    status: str
    heartbeat_age: float
    interval: float
    error_after: float
    scrape_failures: int = 0
    failures_before_error: int = 1
    failure_rate: float | None = None
    queue_depth: int | None = None
    alive_replicas: int = 1
    backlog_per_replica: int = 1000
    reported: int | None = None


FACTOR_NAMES = ("heartbeat", "scrape", "failure_rate", "backlog", "reported")


def _clamp(value: float) -> float:
    return 0.0 if value < 0 else 1.0 if value > 1 else value


def compute(
    status: str,
    heartbeat_age: float,
    interval: float,
    error_after: float,
    scrape_failures: int,
    failures_before_error: int,
    failure_rate: float | None,
    queue_depth: int | None,
    alive_replicas: int,
    backlog_per_replica: int,
    reported: int | None,
) -> tuple[int, tuple[float, float, float, float, float]]:
    """(score, (H, S, F, B, W)): the one implementation of ``FORMULA`` (positional for the 1,000-instance reads)."""
    grace = 1.5 * interval
    if heartbeat_age <= grace:
        h = 1.0
    elif heartbeat_age >= error_after or error_after <= grace:
        h = 0.0
    else:
        h = (error_after - heartbeat_age) / (error_after - grace)
    n = failures_before_error if failures_before_error > 1 else 1
    s = 1 - min(max(scrape_failures, 0), n) / n
    f = 1.0 if failure_rate is None else 1 - min(1.0, 2 * max(failure_rate, 0.0))
    if queue_depth is None:
        b = 1.0
    else:
        b = 1 - min(1.0, max(queue_depth, 0) / (backlog_per_replica * max(alive_replicas, 1)))
    w = 1.0 if reported is None else _clamp(reported / 100)
    parts = (_clamp(h), _clamp(s), _clamp(f), _clamp(b), w)
    if status in ("error", "stopped"):
        return 0, parts
    weighted = WEIGHTS["scrape"] * parts[1] + WEIGHTS["failure_rate"] * parts[2] + WEIGHTS["backlog"] * parts[3]
    weighted += WEIGHTS["reported"] * parts[4]
    return round(100 * parts[0] * weighted), parts


def named(parts: tuple[float, ...]) -> dict[str, float]:
    """The factors by name, rounded for display."""
    return {name: round(value, 4) for name, value in zip(FACTOR_NAMES, parts, strict=True)}


def _compute(i: ScoreInputs) -> tuple[int, tuple[float, float, float, float, float]]:
    return compute(
        i.status,
        i.heartbeat_age,
        i.interval,
        i.error_after,
        i.scrape_failures,
        i.failures_before_error,
        i.failure_rate,
        i.queue_depth,
        i.alive_replicas,
        i.backlog_per_replica,
        i.reported,
    )


def factors(i: ScoreInputs) -> dict[str, float]:
    """The five factors ``H``, ``S``, ``F``, ``B``, ``W`` (named) of ``i``."""
    return named(_compute(i)[1])


def instance_score(i: ScoreInputs) -> int:
    """0-100 per ``FORMULA``."""
    return _compute(i)[0]


def tag_score(instances: Iterable[tuple[str, int]]) -> int:
    """Mean score of the (status, score) pairs that are not ``stopped``; 0 when none."""
    scores = [score for status, score in instances if status != "stopped"]
    return round(sum(scores) / len(scores)) if scores else 0
