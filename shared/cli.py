"""``workers-core``: run a worker, send a task, look at queues, probe a worker (plus plug-in groups)."""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any

import click

from celeryconfig import QUEUES, route_for
from shared import plugins
from shared.cli_errors import BoundaryGroup
from shared.startup import settings_guard

__all__ = ["main"]


class _LazyGroup(BoundaryGroup):
    """Sub-command groups of the installed packages (entry points ``workers_core.cli``), imported when used.

    Every command runs inside the error boundary (``shared.cli_errors``): bad input ends as one line, exit 1.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [name for name, target in plugins.cli_groups().items() if plugins.importable(target)]
        return sorted({*super().list_commands(ctx), *available})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = plugins.cli_groups().get(name)
        if target is not None:
            try:
                command: click.Command = plugins.load(target)
            except (ImportError, AttributeError) as exc:
                raise click.ClickException(f"'{name}' is not available in this installation: {exc}") from exc
            return command
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="workers-core")
def main() -> None:
    """workers-core: the suite's background-job platform (Celery on RabbitMQ, results in Redis)."""


def _tag(value: str) -> str:
    if value not in QUEUES:
        raise click.BadParameter(f"unknown tag {value!r}; one of: {', '.join(QUEUES)}")
    return value


@main.command()
@click.argument("tag")
@click.option("-c", "--concurrency", type=int, default=None, help="Pool processes (default: CPU count).")
@click.option("-P", "--pool", default=None, help="prefork | threads | solo (default: the tag's, see celeryconfig)")
@click.option("-l", "--loglevel", default=None, help="Log level (default: LOG_LEVEL or INFO).")
@click.option("--hostname", "-n", default=None, help="Node name (default: <tag>@<host>).")
@click.option(
    "--exit-when-idle",
    type=float,
    default=None,
    metavar="SECONDS",
    help="Stop gracefully once nothing ran and the queue was empty for SECONDS (backlog-draining Jobs).",
)
def worker(
    tag: str,
    concurrency: int | None,
    pool: str | None,
    loglevel: str | None,
    hostname: str | None,
    exit_when_idle: float | None,
) -> None:
    """Run one worker bound to the queue of TAG (health app on HEALTH_PORT)."""
    spec = QUEUES[_tag(tag)]
    if exit_when_idle is not None:
        import os

        os.environ["WORKER_EXIT_WHEN_IDLE"] = str(exit_when_idle)
    pool = pool or spec.pool
    concurrency = concurrency or spec.concurrency
    module, _, _attr = plugins.worker_target(spec.tag).partition(":")
    with settings_guard(f"worker {spec.tag}"):
        app = importlib.import_module(module).app
    argv = [
        "worker",
        "-Q",
        spec.tag,
        "-n",
        hostname or f"{spec.tag}@%h",
        "-P",
        pool,
        "--loglevel",
        (loglevel or app.conf.workers_core_settings.log_level).upper(),
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv += ["-c", str(concurrency)]
    app.worker_main(argv)


def beat_schedule() -> dict[str, Any]:
    """Periodic tasks of every installed worker package (entry points ``workers_core.schedules``)."""
    return plugins.schedules()


@main.command()
@click.option("-l", "--loglevel", default="INFO", show_default=True)
@click.option("--check", is_flag=True, help="Exit 0 when a beat leads (holds the Redis lock), 1 otherwise.")
def beat(loglevel: str, check: bool) -> None:
    """Run Celery beat (the entries the worker packages declare) as the one scheduler of the cluster (shared.beat)."""
    from shared import beat as locked_beat
    from shared.config import get_settings

    if check:
        found = locked_beat.leader(get_settings().redis_url.get_secret_value())
        click.echo(json.dumps(found.__dict__ if found else {"leader": None}))
        sys.exit(0 if found else 1)
    locked_beat.run(loglevel)


@main.command()
@click.argument("task_name")
@click.option("--kwargs", "kwargs_json", default="{}", help="Task keyword arguments as JSON.")
@click.option("--wait/--no-wait", default=False, help="Wait for the result and print it as JSON.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait with --wait.")
@click.option("--correlation-id", default=None, help="Correlation id carried to logs and events.")
def send(task_name: str, kwargs_json: str, wait: bool, timeout: float, correlation_id: str | None) -> None:
    """Enqueue TASK_NAME with send_task (routed by name); with --wait print the JSON result."""
    from shared.celery_app import create_client
    from shared.context import CORRELATION_HEADER, new_correlation_id

    try:
        kwargs = json.loads(kwargs_json)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"--kwargs is not JSON: {exc}") from exc
    if not isinstance(kwargs, dict):
        raise click.BadParameter("--kwargs must be a JSON object")
    if route_for(task_name) is None:
        raise click.BadParameter(f"no queue routes task {task_name!r}")
    app = create_client()
    cid = correlation_id or new_correlation_id()
    result = app.send_task(task_name, kwargs=kwargs, headers={CORRELATION_HEADER: cid})
    click.echo(json.dumps({"task_id": result.id, "queue": route_for(task_name), "correlation_id": cid}), err=wait)
    if not wait:
        return
    deadline = time.monotonic() + timeout
    last = None
    while not result.ready():
        if result.state != last:
            last = result.state
            click.echo(f"... {result.state}", err=True)
        if time.monotonic() > deadline:
            raise click.ClickException(f"no result within {timeout:.0f}s (state {result.state})")
        time.sleep(0.2)
    if result.successful():
        click.echo(json.dumps(result.result, ensure_ascii=False, indent=2))
        return
    error: Any = result.result
    payload = error.to_dict() if hasattr(error, "to_dict") else {"type": type(error).__name__, "message": str(error)}
    click.echo(json.dumps({"state": result.state, "error": payload}, ensure_ascii=False, indent=2))
    sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def queues(as_json: bool) -> None:
    """Depth and consumers of every queue and its dead-letter queue."""
    from shared.broker import queue_depths
    from shared.config import get_settings

    names = [n for spec in QUEUES.values() for n in (spec.tag, spec.dlq)]
    stats = queue_depths(get_settings().rmq_url.get_secret_value(), names, timeout=3)
    rows = [
        {"queue": n, "messages": stats[n][0], "consumers": stats[n][1]}
        if n in stats
        else {"queue": n, "messages": None, "consumers": None}
        for n in names
    ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    click.echo(f"{'queue':<22}{'messages':>10}{'consumers':>11}")
    for row in rows:
        msgs = "-" if row["messages"] is None else row["messages"]
        cons = "-" if row["consumers"] is None else row["consumers"]
        click.echo(f"{row['queue']:<22}{msgs:>10}{cons:>11}")


@main.command()
@click.argument("tag")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Health port (default: HEALTH_PORT or the tag's).")
@click.option("--deep", is_flag=True, help="Also run the worker's deep checks.")
@click.option("--live", is_flag=True, help="Liveness only (/healthz) instead of readiness.")
def check(tag: str, host: str, port: int | None, deep: bool, live: bool) -> None:
    """Exit 0 when the worker of TAG is ready (1 otherwise); for container probes."""
    import httpx

    from shared.config import get_settings

    spec = QUEUES[_tag(tag)]
    port = port or get_settings().health_port or spec.health_port
    path = "/healthz" if live else "/readyz" + ("?deep=true" if deep else "")
    try:
        response = httpx.get(f"http://{host}:{port}{path}", timeout=10)
    except httpx.HTTPError as exc:
        click.echo(json.dumps({"status": "fail", "error": str(exc)}))
        sys.exit(1)
    click.echo(response.text)
    sys.exit(0 if response.status_code == 200 else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
