"""Kubernetes-style CPU limits for a benchmark's server processes: a CFS bandwidth quota per process.

A pod with ``resources.limits.cpu: 400m`` runs in a cgroup whose CFS quota lets it use 40 ms of CPU time per 100 ms
period. ``CpuLimit`` does the same for a process the benchmark starts: each process gets its own cgroup (one per
"pod") under the cgroup v2 ``cpu`` controller (``cpu.max``) or the cgroup v1 one (``cpu.cfs_quota_us``). That is how a
benchmark on a small machine shows horizontal scale: two processes limited to ``c`` cores each against one limited
to ``c``, with the client, Redis and PostgreSQL outside the limits and the machine's other cores left for them.

The period is 10 ms, not the kubelet's default 100 ms (``--cpu-cfs-quota-period``): with a 100 ms period a process
that spends its quota early waits up to ``100 - 100 * c`` ms, which is throttling, not capacity, in a p99.

Needs write access to the cgroup file system (root in this sandbox); ``CpuLimit.unavailable()`` says why not.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

__all__ = ["CpuLimit"]

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 10_000


def _v2_root() -> Path | None:
    for root in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        controllers = root / "cgroup.controllers"
        if controllers.is_file() and "cpu" in controllers.read_text().split():
            return root
    return None


def _v1_root() -> Path | None:
    root = CGROUP_ROOT / "cpu"
    return root if (root / "cpu.cfs_quota_us").is_file() else None


class CpuLimit:
    """One cgroup per process, each limited to ``cores`` CPUs; ``preexec(name)`` puts a child in its cgroup."""

    def __init__(self, cores: float, *, period_us: int = PERIOD_US) -> None:
        if cores <= 0:
            raise ValueError("cores must be > 0")
        self.cores = cores
        self.period_us = period_us
        self.quota_us = max(1000, round(cores * period_us))
        self._v2 = _v2_root()
        self._v1 = None if self._v2 is not None else _v1_root()
        if self._v2 is None and self._v1 is None:
            raise RuntimeError(self.unavailable() or "no cgroup cpu controller")
        self._prefix = f"workers-core-bench-{uuid.uuid4().hex[:8]}"
        self._groups: list[Path] = []

    @staticmethod
    def unavailable() -> str | None:
        """Why no CPU limit can be set here, or None when it can."""
        root = _v2_root() or _v1_root()
        if root is None:
            return "no cgroup cpu controller mounted under /sys/fs/cgroup"
        probe = root / f"workers-core-bench-probe-{uuid.uuid4().hex[:8]}"
        try:
            probe.mkdir()
        except OSError as exc:
            return f"cannot create a cgroup under {root}: {exc.strerror}"
        probe.rmdir()
        return None

    def group(self, name: str) -> Path:
        """Create the cgroup ``name`` with the quota; returns its directory."""
        root = self._v2 or self._v1
        assert root is not None
        path = root / f"{self._prefix}-{name}"
        path.mkdir()
        if self._v2 is not None:
            (path / "cpu.max").write_text(f"{self.quota_us} {self.period_us}")
        else:
            (path / "cpu.cfs_period_us").write_text(str(self.period_us))
            (path / "cpu.cfs_quota_us").write_text(str(self.quota_us))
        self._groups.append(path)
        return path

    @property
    def groups(self) -> list[Path]:
        """The cgroups created so far, in order."""
        return list(self._groups)

    def preexec(self, name: str) -> Callable[[], None]:
        """A ``subprocess.Popen(preexec_fn=...)`` that moves the child into a new limited cgroup before exec."""
        procs = self.group(name) / "cgroup.procs"

        def enter() -> None:
            procs.write_text(str(os.getpid()))

        return enter

    @staticmethod
    def throttled(group: Path) -> tuple[int, int]:
        """(periods the cgroup ran in, periods it was throttled in) so far."""
        stats = dict(line.split() for line in (group / "cpu.stat").read_text().splitlines() if " " in line)
        return int(stats.get("nr_periods", 0)), int(stats.get("nr_throttled", 0))

    def close(self) -> None:
        """Remove the cgroups (their processes must have exited)."""
        for path in reversed(self._groups):
            with contextlib.suppress(OSError):
                path.rmdir()
        self._groups.clear()

    def __enter__(self) -> CpuLimit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
