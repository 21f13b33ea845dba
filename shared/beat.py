"""``workers-core beat``: Celery beat as exactly one scheduler per cluster, however many beat processes run.

The schedule is every entry the installed packages declare under the ``workers_core.schedules`` entry points
(``shared.plugins.schedules``). It is kept in Redis by celery-redbeat, together with a leader lock: a beat
process schedules only while it holds the lock, renews it on every tick, and a second beat (a rolling update,
a pod that was thought dead, a second compose service) blocks on the lock instead of sending the same tasks
twice. When the leader dies, its lock expires after ``BEAT_LOCK_TIMEOUT`` seconds and a waiting beat takes
over within one more ``BEAT_MAX_LOOP_INTERVAL``; an entry's ``last_run_at`` lives in Redis, so the new leader
neither repeats nor skips runs.

The leader also writes ``wrk:beat:leader`` (who, since when, last tick; expires with the lock), which
``workers-core beat --check`` (container liveness) and ``scripts/validation/validate_deployment.py`` read.

Redis keys (prefix ``BEAT_KEY_PREFIX``, default ``wrk:beat:``): ``<prefix>lock`` (the leader lock),
``<prefix>leader`` (the leader record), ``<prefix>:schedule`` / ``<prefix>:statics`` and ``<prefix><entry>``
(celery-redbeat's schedule).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from redbeat.schedulers import RedBeatScheduler

from shared import plugins
from shared.config import BaseServiceSettings, get_settings

__all__ = ["BeatSettings", "Leader", "LeaderScheduler", "configure", "leader", "run"]

SCHEDULER = "shared.beat:LeaderScheduler"


class BeatSettings(BaseServiceSettings):
    """``BEAT_*``: the lock and loop timing of ``workers-core beat``."""

    model_config = SettingsConfigDict(env_prefix="BEAT_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    #: seconds the leader's lock lives without renewal: a dead leader is replaced after at most this (+ one loop)
    lock_timeout: int = Field(default=30, ge=2, le=600)
    #: longest sleep between two ticks; also how often a waiting beat retries the lock
    max_loop_interval: int = Field(default=5, ge=1, le=60)
    key_prefix: str = Field(default="wrk:beat:", min_length=1)

    @model_validator(mode="after")
    def _lock_outlives_a_loop(self) -> BeatSettings:
        if self.lock_timeout <= self.max_loop_interval:
            raise ValueError("BEAT_LOCK_TIMEOUT must exceed BEAT_MAX_LOOP_INTERVAL (the lock is renewed every tick)")
        return self

    @property
    def lock_key(self) -> str:
        return f"{self.key_prefix}lock"

    @property
    def leader_key(self) -> str:
        return f"{self.key_prefix}leader"


@dataclass(frozen=True)
class Leader:
    """The beat process that holds the lock, as it last wrote itself."""

    instance: str
    pid: int
    since: float
    last_tick: float

    @property
    def age(self) -> float:
        return time.time() - self.last_tick


def instance_name() -> str:
    return os.environ.get("INSTANCE_ID") or f"{socket.gethostname()}:{os.getpid()}"


class LeaderScheduler(RedBeatScheduler):
    """celery-redbeat's scheduler that refuses to tick without the lock and publishes who leads."""

    _since: float | None = None

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.lock is None:  # redbeat's beat_init handler failed to take the lock: never schedule unlocked
            raise RuntimeError("beat: no leader lock held; refusing to schedule")
        delay: float = super().tick(*args, **kwargs)
        now = time.time()
        self._since = self._since or now
        record = {"instance": instance_name(), "pid": os.getpid(), "since": self._since, "last_tick": now}
        client = redis.Redis.from_url(self.app.conf.redbeat_redis_url)
        try:
            client.set(self.app.conf.workers_core_beat_leader_key, json.dumps(record), ex=int(self.lock_timeout))
        finally:
            client.close()
        return delay

    def close(self) -> None:
        if self.lock is not None and self.lock.owned():
            client = redis.Redis.from_url(self.app.conf.redbeat_redis_url)
            try:
                client.delete(self.app.conf.workers_core_beat_leader_key)
            finally:
                client.close()
        super().close()


def configure(app: Celery, settings: BeatSettings, redis_url: str) -> dict[str, dict[str, Any]]:
    """Point ``app``'s beat at the locked Redis scheduler and the declared schedule; return the schedule."""
    schedule = plugins.schedules()
    app.conf.update(
        beat_schedule=schedule,
        beat_scheduler=SCHEDULER,
        beat_max_loop_interval=settings.max_loop_interval,
        redbeat_redis_url=redis_url,
        redbeat_key_prefix=settings.key_prefix,
        redbeat_lock_key=settings.lock_key,
        redbeat_lock_timeout=settings.lock_timeout,
        workers_core_beat_leader_key=settings.leader_key,
    )
    return schedule


def leader(redis_url: str, settings: BeatSettings | None = None) -> Leader | None:
    """The current leader, or None when no beat has ticked within its lock timeout."""
    settings = settings or BeatSettings()
    client = redis.Redis.from_url(redis_url)
    try:
        raw = client.get(settings.leader_key)
    finally:
        client.close()
    if raw is None:
        return None
    data = json.loads(raw)
    return Leader(str(data["instance"]), int(data["pid"]), float(data["since"]), float(data["last_tick"]))


def run(loglevel: str) -> None:
    """Run beat in the foreground (blocks; waits for the lock first when another beat leads)."""
    from shared.celery_app import create_client
    from shared.logging import configure_logging

    settings = BeatSettings()
    app = create_client()
    schedule = configure(app, settings, get_settings().redis_url.get_secret_value())
    configure_logging(loglevel)
    print(
        json.dumps(
            {"beat_schedule": sorted(schedule), "lock": settings.lock_key, "lock_timeout": settings.lock_timeout}
        ),
        file=sys.stderr,
        flush=True,
    )
    app.start(["beat", "--loglevel", loglevel.upper()])
