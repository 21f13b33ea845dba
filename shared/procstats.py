"""Memory and CPU of a worker's whole process tree (parent + prefork children), read from /proc.

Prometheus' own ``ProcessCollector`` is per process and is not available in multiprocess mode; a worker is
a tree of processes, so ``/metrics`` exports the tree's ``process_resident_memory_bytes`` and
``process_cpu_seconds_total`` from here, and the registry heartbeat reports the same figures.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["ProcessTreeCollector", "tree_usage"]

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _stat(pid: int) -> tuple[int, float, int] | None:
    """(parent pid, cpu seconds, rss bytes) of one process, or None when it is gone."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses
    ppid = int(fields[1])
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    rss = int(fields[21]) * _PAGE
    return ppid, cpu, rss


def tree_usage(root: int | None = None) -> tuple[int, float]:
    """(resident bytes, cpu seconds) of ``root`` (default: this process) and all its descendants."""
    root = root or os.getpid()
    stats: dict[int, tuple[int, float, int]] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = st
    if root not in stats:
        return 0, 0.0
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    rss, cpu, todo = 0, 0.0, [root]
    while todo:
        pid = todo.pop()
        _, c, r = stats[pid]
        rss, cpu = rss + r, cpu + c
        todo.extend(children.get(pid, ()))
    return rss, cpu


class ProcessTreeCollector(Collector):
    """``process_resident_memory_bytes`` and ``process_cpu_seconds_total`` of the worker's process tree."""

    def __init__(self, root: int | None = None):
        self.root = root or os.getpid()

    def collect(self) -> Iterable[Metric]:
        rss, cpu = tree_usage(self.root)
        memory = GaugeMetricFamily("process_resident_memory_bytes", "Resident memory of the worker's process tree")
        memory.add_metric([], rss)
        seconds = CounterMetricFamily("process_cpu_seconds", "CPU time of the worker's process tree")
        seconds.add_metric([], cpu)
        yield memory
        yield seconds

    def describe(self) -> Iterable[Metric]:
        return []
