"""Service discovery: healthy instances of a tag ordered by health score, and the topology map."""

from __future__ import annotations

from typing import Any

from registry.snapshot import Member, Snapshot

__all__ = ["discover", "host_of", "topology"]


def host_of(m: Member) -> str:
    """The host an instance runs on: reported, else the part after ``@`` of a Celery node name."""
    host = m.record.get("host")
    if host:
        return str(host)
    _, at, after = m.instance_id.partition("@")
    return after if at and after else "unknown"


def _entry(m: Member, total: float) -> dict[str, Any]:
    """``schemas.DiscoveryInstance`` as a dict."""
    return {
        "instance_id": m.instance_id,
        "health_endpoint": m.record.get("health_endpoint"),
        "status": m.status,
        "health_score": m.score,
        "weight": round(m.score / total, 6) if total else 0.0,
        "version": str(m.record.get("version") or "unknown"),
        "host": host_of(m),
    }


def discover(snap: Snapshot, tag: str, *, min_score: int) -> dict[str, Any]:
    """Running instances scoring at least ``min_score``, best first, with load-balancing weights
    (``schemas.DiscoveryOut``)."""
    healthy = [m for m in snap.members(tag) if m.status == "running" and m.score >= min_score]
    healthy.sort(key=lambda m: (-m.score, m.instance_id))
    total = float(sum(m.score for m in healthy))
    return {"tag": tag, "generated_at": snap.generated_at, "instances": [_entry(m, total) for m in healthy]}


def topology(snap: Snapshot) -> dict[str, Any]:
    """Tags (queue, depth, instances) and hosts (which instances run where) (``schemas.TopologyOut``)."""
    tags = []
    hosts: dict[str, list[str]] = {}
    for tag in sorted(snap.by_tag):
        members = sorted(snap.members(tag), key=lambda m: (-m.score, m.instance_id))
        total = float(sum(m.score for m in members))
        tags.append(
            {
                "tag": tag,
                "queue": tag,
                "queue_depth": snap.queue_depth(tag),
                "consumers": snap.consumers(tag),
                "health_score": snap.aggregate(tag)["health_score"],
                "instances": [_entry(m, total) for m in members],
            }
        )
        for m in members:
            hosts.setdefault(host_of(m), []).append(f"{tag}/{m.instance_id}")
    return {
        "generated_at": snap.generated_at,
        "tags": tags,
        "hosts": [{"host": h, "instances": sorted(v)} for h, v in sorted(hosts.items())],
    }
