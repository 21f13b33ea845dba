"""What the registry benchmark's client needs beyond aiohttp: a lean HTTP/1.1 keep-alive client for the
heartbeats, and CPU accounting of every process a heartbeat touches.

Why a second client: on a 2-core machine the load generator shares the cores with the registry, Redis and
PostgreSQL. aiohttp spends ~300 us of CPU per request (measured), more than Redis and close to the registry
itself, so at 1,700 heartbeats/s it takes half a core and its own event-loop lag shows up as server latency.
``HeartbeatPool`` writes a pre-built request (the same bytes aiohttp would send: method, path, Host,
Authorization, Content-Type, Content-Length, JSON body) on a pooled keep-alive connection and parses the
status line and ``Content-Length`` of the answer: ~30 us per request. aiohttp stays the client of the
registrations, the list requests and the metrics (``--client aiohttp`` runs the heartbeats through it too).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import psycopg

from bench.support import cpu_seconds

__all__ = ["CpuProbe", "HeartbeatPool", "build_request", "machine_busy_seconds"]

_TICK = os.sysconf("SC_CLK_TCK")


def build_request(url: str, method: str, path: str, token: str, body: bytes) -> bytes:
    """One HTTP/1.1 request with a JSON body, as bytes ready to write."""
    host = urlsplit(url).netloc
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time; answers need ``Content-Length`` (the registry's do)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            self.waiter.set_exception(ConnectionError("answer without Content-Length"))
            return
        line_end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : line_end if line_end > 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        self.waiter.set_result(int(head[9:12]))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    async def send(self, request: bytes) -> int:
        if self.closed or self.transport is None or self.transport.is_closing():
            raise ConnectionError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


@dataclass
class HeartbeatPool:
    """``size`` keep-alive connections to one API process; ``send`` waits for a free one (open-loop lateness
    counts in the caller's latency, as with aiohttp's connector limit)."""

    url: str
    size: int
    _free: asyncio.Queue[_Connection] = field(default_factory=asyncio.Queue)  # FIFO: every connection stays warm

    async def open(self) -> None:
        for _ in range(self.size):
            self._free.put_nowait(await self._connect())

    async def _connect(self) -> _Connection:
        parts = urlsplit(self.url)
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_connection(_Connection, parts.hostname, parts.port)
        protocol.transport = transport  # uvloop may call connection_made after create_connection returns
        return protocol

    async def send(self, request: bytes) -> int:
        """Status code of the answer to ``request`` (ConnectionError when the connection broke)."""
        connection = await self._free.get()
        if connection.closed:  # the server closed it while idle (uvicorn's keep-alive timeout): not an error
            connection = await self._connect()
        try:
            return await connection.send(request)
        except ConnectionError:
            connection = await self._connect()
            raise
        finally:
            self._free.put_nowait(connection if not connection.closed else await self._connect())

    def close(self) -> None:
        while not self._free.empty():
            connection = self._free.get_nowait()
            if connection.transport is not None:
                connection.transport.close()


def machine_busy_seconds() -> float:
    """CPU seconds every process of the machine has used (all cores, /proc/stat: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / _TICK


@dataclass
class CpuProbe:
    """CPU seconds of the registry's processes, this client, Redis, the run database's PostgreSQL backends and
    the whole machine (``machine``: other work on the box shows as the difference)."""

    api_pids: list[int]
    jobs_pid: int | None
    redis_pid: int | None
    pg_admin_url: str
    database: str

    def _pg_pids(self) -> list[int]:
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)).fetchall()
        return [int(r[0]) for r in rows]

    def sample(self) -> dict[str, float]:
        """CPU seconds so far per role; PostgreSQL per backend (``pg:<pid>``: backends come and go)."""
        times = os.times()
        out = {
            "api": sum(cpu_seconds(pid) for pid in self.api_pids),
            "jobs": cpu_seconds(self.jobs_pid) if self.jobs_pid else 0.0,
            "client": times.user + times.system,
            "redis": cpu_seconds(self.redis_pid, with_children=False) if self.redis_pid else 0.0,
        }
        out.update({f"pg:{pid}": cpu_seconds(pid, with_children=False) for pid in self._pg_pids()})
        out["machine"] = machine_busy_seconds()
        return out

    @staticmethod
    def used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """CPU seconds per role between two samples (a backend born in between counts from zero)."""
        roles = {"api": 0.0, "jobs": 0.0, "client": 0.0, "redis": 0.0, "postgres": 0.0, "machine": 0.0}
        for key, value in after.items():
            role = "postgres" if key.startswith("pg:") else key
            roles[role] += value - before.get(key, 0.0)
        return roles
