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

__all__ = ["FORMULA", "WEIGHTS", "ScoreInputs", "factors", "instance_score", "tag_score"]

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


def _clamp(value: float) -> float:
    return 0.0 if value < 0 else 1.0 if value > 1 else value


def factors(i: ScoreInputs) -> dict[str, float]:
    """The five factors ``H``, ``S``, ``F``, ``B``, ``W`` (named) of ``i``."""
    grace = 1.5 * i.interval
    if i.heartbeat_age <= grace:
        heartbeat = 1.0
    elif i.heartbeat_age >= i.error_after or i.error_after <= grace:
        heartbeat = 0.0
    else:
        heartbeat = (i.error_after - i.heartbeat_age) / (i.error_after - grace)
    n = max(i.failures_before_error, 1)
    scrape = 1 - min(max(i.scrape_failures, 0), n) / n
    failure = 1.0 if i.failure_rate is None else 1 - min(1.0, 2 * max(i.failure_rate, 0.0))
    if i.queue_depth is None:
        backlog = 1.0
    else:
        backlog = 1 - min(1.0, max(i.queue_depth, 0) / (i.backlog_per_replica * max(i.alive_replicas, 1)))
    reported = 1.0 if i.reported is None else i.reported / 100
    return {
        "heartbeat": round(_clamp(heartbeat), 4),
        "scrape": round(_clamp(scrape), 4),
        "failure_rate": round(_clamp(failure), 4),
        "backlog": round(_clamp(backlog), 4),
        "reported": round(_clamp(reported), 4),
    }


def instance_score(i: ScoreInputs, precomputed: dict[str, float] | None = None) -> int:
    """0-100 per ``FORMULA`` (``precomputed`` = ``factors(i)`` when the caller has them already)."""
    if i.status in ("error", "stopped"):
        return 0
    f = precomputed or factors(i)
    weighted = sum(WEIGHTS[name] * f[name] for name in WEIGHTS)
    return round(100 * f["heartbeat"] * weighted)


def tag_score(instances: Iterable[tuple[str, int]]) -> int:
    """Mean score of the (status, score) pairs that are not ``stopped``; 0 when none."""
    scores = [score for status, score in instances if status != "stopped"]
    return round(sum(scores) / len(scores)) if scores else 0
