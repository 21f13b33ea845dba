"""Scaling hints per tag from queue depth and queue velocity, with cooldown and min/max.

``desired = ceil(arrival_rate / per_replica_rate + depth / (per_replica_rate x drain_seconds))``,
clamped to ``[min, max]`` (at least 1 while messages wait). ``per_replica_rate`` is the measured
completion rate per live replica (``REGISTRY_SCALING_DEFAULT_RATE`` until measured); ``arrival_rate``
is the completion rate plus the depth slope over ``REGISTRY_SCALING_WINDOW``. Scaling up is immediate;
scaling down waits ``REGISTRY_SCALING_COOLDOWN`` after the last change (KEDA's cooldownPeriod).

KEDA reads it with a ``metrics-api`` trigger: ``url: <registry>/v1/scaling/<tag>``,
``valueLocation: desired_replicas``, ``targetValue: "1"``, ``authMode: bearer`` (scope ``workers:read``).
"""

from __future__ import annotations

import math
from typing import Any

from registry.config import RegistrySettings
from registry.snapshot import Snapshot
from registry.store import HotStore

__all__ = ["ScalingAdvisor", "velocity"]


def velocity(samples: list[dict[str, Any]], *, window: float) -> tuple[float | None, float | None]:
    """(depth slope, completion rate from finished-task totals) between the newest sample and the
    oldest one within ``window``; ``None`` where the samples cannot tell."""
    usable = [s for s in samples if s.get("at") is not None]
    if len(usable) < 2:
        return None, None
    newest = usable[0]
    inside = [s for s in usable[1:] if float(newest["at"]) - float(s["at"]) <= window]
    if not inside:
        return None, None
    oldest = inside[-1]
    span = float(newest["at"]) - float(oldest["at"])
    if span <= 0:
        return None, None
    slope = None
    if newest.get("depth") is not None and oldest.get("depth") is not None:
        slope = (float(newest["depth"]) - float(oldest["depth"])) / span
    completion = None
    if newest.get("completed") is not None and oldest.get("completed") is not None:
        completion = max(float(newest["completed"]) - float(oldest["completed"]), 0.0) / span
    return slope, completion


class ScalingAdvisor:
    """Computes and remembers (for the cooldown) the scaling hint of each tag."""

    def __init__(self, settings: RegistrySettings, store: HotStore) -> None:
        self.settings = settings
        self.store = store

    async def recommend(self, snap: Snapshot, tag: str) -> dict[str, Any]:
        """The hint of ``tag`` (``schemas.ScalingOut``)."""
        s = self.settings
        low, high = s.limits_for(tag)
        live = [m for m in snap.members(tag) if m.alive]
        current = len(live)
        depth = snap.queue_depth(tag)
        slope, counted = velocity(await self.store.queue_samples(tag), window=s.scaling_window)
        scraped = [m.scrape["task_rate"] for m in live if m.scrape.get("task_rate") is not None]
        completion = sum(scraped) if scraped else counted
        arrival = None
        if completion is not None or slope is not None:
            arrival = max((completion or 0.0) + (slope or 0.0), 0.0)
        per_replica = s.scaling_default_rate
        if completion and current:
            per_replica = completion / current
        need = (arrival or 0.0) / per_replica + (depth or 0) / (per_replica * s.scaling_drain_seconds)
        raw = math.ceil(need - 1e-9)
        if (depth or 0) > 0:
            raw = max(raw, 1)
        desired = min(max(raw, low), high)
        reason = (
            f"depth {depth if depth is not None else 'unknown'}, arrivals "
            f"{'unknown' if arrival is None else f'{arrival:.3f}/s'} at {per_replica:.3f}/s per replica "
            f"-> {raw} (limits {low}-{high})"
        )
        state = await self.store.scaling_state(tag)
        remaining = 0.0
        if state is not None:
            previous = int(state.get("desired", desired))
            elapsed = snap.now - float(state.get("changed_at", 0))
            if desired < previous and elapsed < s.scaling_cooldown:
                remaining = s.scaling_cooldown - elapsed
                reason += f"; scale-down held by cooldown ({remaining:.0f}s left)"
                desired = previous
        if state is None or int(state.get("desired", -1)) != desired:
            await self.store.save_scaling_state(tag, {"desired": desired, "changed_at": snap.now})
        return {
            "tag": tag,
            "desired_replicas": desired,
            "current_replicas": current,
            "min_replicas": low,
            "max_replicas": high,
            "queue_depth": depth,
            "arrival_rate": None if arrival is None else round(arrival, 6),
            "completion_rate": None if completion is None else round(completion, 6),
            "velocity": None if slope is None else round(slope, 6),
            "per_replica_rate": round(per_replica, 6),
            "reason": reason,
            "cooldown_remaining": round(remaining, 3),
            "generated_at": snap.generated_at,
        }
