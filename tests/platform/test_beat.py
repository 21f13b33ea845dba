"""Two real ``workers-core beat`` processes on real Redis and RabbitMQ: exactly one schedules, and when it is
killed with SIGKILL (no chance to release its lock) the other takes over within the lock timeout.

The schedule reaches beat the production way: a ``workers_core.schedules`` entry point, declared by a small
distribution (``*.dist-info/entry_points.txt``) put on the beat processes' path, sending ``ocr.ping`` every second.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection

from celeryconfig import QUEUES, task_queue
from shared.beat import BeatSettings, leader
from tests.support.workers import REPO

LOCK_TIMEOUT_S = 4
LOOP_S = 1
SENT = "Sending due task beat-test-ping"


class Beat:
    """One ``python -m shared.cli beat`` process in its own process group, output in a log file."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.log = workdir / f"beat-{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "beat", "--loglevel", "INFO"],
                cwd=REPO,
                env={**env, "INSTANCE_ID": name},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def sent(self) -> int:
        return self.log.read_text(errors="replace").count(SENT)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(what: str, probe: Callable[[], bool], timeout: float) -> float:
    start = time.monotonic()
    while not probe():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - start


@pytest.fixture
def schedule_dist(tmp_path: Path) -> Path:
    """A distribution declaring a 1-second ``ocr.ping`` under ``workers_core.schedules`` (the real discovery)."""
    module = f"beat_test_schedule_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(
        'SCHEDULE = {"beat-test-ping": {"task": "ocr.ping", "schedule": 1.0, "options": {"expires": 30}}}\n'
    )
    dist = tmp_path / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[workers_core.schedules]\nbeat-test = {module}:SCHEDULE\n")
    return tmp_path


@pytest.fixture
def beat_env(worker_env: dict[str, str], schedule_dist: Path, broker_url: str) -> Iterator[dict[str, str]]:
    prefix = f"wrk:beat-test-{uuid.uuid4().hex[:8]}:"
    with Connection(broker_url) as conn:  # type: ignore[no-untyped-call]  # the queue the sends can be counted in
        task_queue(QUEUES["ocr"])(conn.default_channel).declare()  # type: ignore[no-untyped-call]
    env = {
        **worker_env,
        "PYTHONPATH": os.pathsep.join([str(schedule_dist), str(REPO)]),
        "BEAT_KEY_PREFIX": prefix,
        "BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT_S),
        "BEAT_MAX_LOOP_INTERVAL": str(LOOP_S),
    }
    yield env
    client = redis.Redis.from_url(worker_env["REDIS_URL"])
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def ocr_depth(broker_url: str) -> int:
    with Connection(broker_url) as conn:  # type: ignore[no-untyped-call]
        _, messages, _ = conn.default_channel.queue_declare("ocr", passive=True)
        return int(messages)


def test_two_beats_schedule_once_and_the_survivor_takes_over_a_killed_leader(
    beat_env: dict[str, str], broker_url: str, session_dir: Path
) -> None:
    settings = BeatSettings(
        key_prefix=beat_env["BEAT_KEY_PREFIX"], lock_timeout=LOCK_TIMEOUT_S, max_loop_interval=LOOP_S
    )
    redis_url = beat_env["REDIS_URL"]
    depth0 = ocr_depth(broker_url)
    beats = {name: Beat(name, beat_env, session_dir) for name in ("beat-a", "beat-b")}
    try:
        wait_for("a leader", lambda: leader(redis_url, settings) is not None, timeout=90)
        wait_for("the first scheduled sends", lambda: sum(b.sent() for b in beats.values()) >= 3, timeout=60)
        current = leader(redis_url, settings)
        assert current is not None
        lead, standby = beats[current.instance], next(b for n, b in beats.items() if n != current.instance)
        assert lead.proc.pid == current.pid

        # both run for a while: only the leader sends, and the queue gets one message per period, not two
        window_start_sent, window_start_depth = lead.sent(), ocr_depth(broker_url)
        time.sleep(6)
        sent_in_window = lead.sent() - window_start_sent
        queued_in_window = ocr_depth(broker_url) - window_start_depth
        assert standby.sent() == 0, "the standby beat scheduled while the leader held the lock"
        assert standby.proc.poll() is None and lead.proc.poll() is None
        assert 3 <= sent_in_window <= 8, sent_in_window
        assert abs(queued_in_window - sent_in_window) <= 1, (queued_in_window, sent_in_window)

        # SIGKILL: the lock is not released, it has to expire
        lead_sent_before_kill = lead.sent()
        killed_at = time.monotonic()
        lead.kill()
        takeover = wait_for("the standby's first send", lambda: standby.sent() >= 1, timeout=LOCK_TIMEOUT_S + 60)
        print(
            f"\nbeat takeover after SIGKILL of the leader: {takeover:.2f} s "
            f"(lock timeout {LOCK_TIMEOUT_S} s, loop {LOOP_S} s)"
        )
        wait_for(
            "the new leader record",
            lambda: getattr(leader(redis_url, settings), "instance", None) == standby.name,
            timeout=10,
        )
        new = leader(redis_url, settings)
        assert new is not None and new.pid == standby.proc.pid
        assert lead.sent() == lead_sent_before_kill
        assert takeover < LOCK_TIMEOUT_S + LOOP_S + 15, takeover
        assert time.monotonic() - killed_at >= 1.0, "took over before the killed leader's lock could expire"
        assert ocr_depth(broker_url) > depth0
        assert check(beat_env).returncode == 0  # `workers-core beat --check`: a leader is alive
        standby.stop()  # a graceful stop releases the lock and withdraws the leader record
        assert leader(redis_url, settings) is None
        assert check(beat_env).returncode == 1
    finally:
        for b in beats.values():
            b.stop()


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", "beat", "--check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
