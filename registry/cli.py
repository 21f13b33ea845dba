"""``workers-core registry``: serve the registry (default), migrate, mint tokens, write the OpenAPI document."""

from __future__ import annotations

import gc
import json
import re
import sys
from pathlib import Path

import click

__all__ = ["cli"]

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
#: a token outlives no rotation: one year at most (workers get theirs re-minted by the deployment)
MAX_TOKEN_TTL_S = 366 * 86400
#: a PEM private key is a few KiB; reading more is refused (``/dev/zero`` and the like never end)
MAX_KEY_FILE_BYTES = 64 * 1024


def _read_key(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_KEY_FILE_BYTES + 1)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise click.BadParameter(
            f"{path} is larger than {MAX_KEY_FILE_BYTES} bytes: not a PEM key", param_hint="--private-key-file"
        )
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise click.BadParameter(f"{path} is not a PEM key (not ASCII)", param_hint="--private-key-file") from None


def openapi_document() -> dict[str, object]:
    """The OpenAPI document of the code as it is (no connection is opened)."""
    from registry.config import RegistrySettings
    from registry.main import create_app

    settings = RegistrySettings(jwt_secret="openapi-only", workers_core_env="development")  # noqa: S106 - no server
    return create_app(settings).openapi()


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Worker Registry (REGISTRY_* settings, DATABASE_URL, REDIS_URL, RMQ_URL). Without a sub-command: serve."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default=None, help="Listen address (default: REGISTRY_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Listen port (default: REGISTRY_PORT, 8090).")
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(host: str | None, port: int | None, access_log: bool) -> None:
    """Run the registry HTTP service (uvicorn, one process; background jobs included)."""
    import uvicorn

    from registry.config import get_settings
    from registry.main import create_app
    from shared.logging import configure_logging
    from shared.startup import settings_guard

    with settings_guard("registry"):
        settings = get_settings()
    configure_logging(settings.log_level, "console" if settings.log_format == "console" else "json")
    # Everything imported so far lives for the whole process: keep it out of the cyclic GC's full passes,
    # and collect young objects less often (a 1,000-instance list allocates ~50k short-lived objects).
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
    )


@cli.command()
@click.option("--host", default=None, help="Metrics listen address (default: REGISTRY_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Metrics port (default: REGISTRY_JOBS_PORT).")
def jobs(host: str | None, port: int | None) -> None:
    """Run the background jobs (flush, sweep, health checks, queue sampling) apart from the API processes."""
    import asyncio

    from registry.config import get_settings
    from registry.jobs_process import run_jobs
    from shared.logging import configure_logging
    from shared.startup import settings_guard

    with settings_guard("registry jobs"):
        settings = get_settings()
    configure_logging(settings.log_level, "console" if settings.log_format == "console" else "json")
    asyncio.run(run_jobs(settings, host=host or settings.host, port=port or settings.jobs_port))


@cli.command()
@click.option("--database-url", default=None, help="Default: REGISTRY_DATABASE_URL / DATABASE_URL / SQLite.")
def migrate(database_url: str | None) -> None:
    """Apply the database migrations (alembic upgrade head)."""
    from registry.config import database_url_from_env, normalize_database_url
    from registry.db import Database

    db = Database(normalize_database_url(database_url) if database_url else database_url_from_env())
    try:
        db.migrate()
    finally:
        db.dispose()
    click.echo(f"registry database at head ({db.dialect})")


@cli.command()
@click.option("--write", is_flag=True, help=f"Write {OPENAPI_PATH.name} next to the package instead of printing.")
def openapi(write: bool) -> None:
    """Print (or write) the OpenAPI document; CI fails when the committed one drifts from the code."""
    text = json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
    if write:
        OPENAPI_PATH.write_text(text, encoding="utf-8")
        click.echo(f"wrote {OPENAPI_PATH}")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("--sub", "subject", default=None, help="Subject (default: worker:<tag> for worker tokens).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["workers:admin", "workers:read", "workers:heartbeat"]),
)
@click.option("--tag", default=None, help="Worker tag (queue) a workers:heartbeat token may write; required for one.")
@click.option("--instance", default=None, help="Narrow a worker token to one instance id (e.g. a pod name).")
@click.option(
    "--ttl", type=click.IntRange(1, MAX_TOKEN_TTL_S), default=3600, show_default=True, help="Lifetime in seconds."
)
@click.option(
    "--private-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Sign with this PEM key (RS256/ES256) instead of REGISTRY_JWT_SECRET.",
)
@click.option("--algorithm", default=None, help="Signing algorithm (default HS256, or RS256 with a key file).")
@click.option("--kid", default=None, help="Key id header (default: REGISTRY_JWT_SECRET_KID for HMAC tokens).")
def token(
    subject: str | None,
    scopes: tuple[str, ...],
    tag: str | None,
    instance: str | None,
    ttl: int,
    private_key_file: Path | None,
    algorithm: str | None,
    kid: str | None,
) -> None:
    """Mint a JWT the registry accepts; a worker's REGISTRY_TOKEN is `--scope workers:heartbeat --tag <queue>`."""
    from registry.auth import mint_token
    from registry.config import get_settings
    from shared.keys import TAG_PATTERN

    if "workers:heartbeat" in scopes and "workers:admin" not in scopes and tag is None:
        raise click.UsageError("a workers:heartbeat token is bound to one worker: pass --tag <queue>")
    if tag is not None and not re.fullmatch(TAG_PATTERN, tag):
        raise click.BadParameter(f"{tag!r} is not a worker tag", param_hint="--tag")
    if instance is not None and tag is None:
        raise click.UsageError("--instance narrows a worker token: pass --tag too")
    key = _read_key(private_key_file) if private_key_file else None
    click.echo(
        mint_token(
            get_settings(),
            subject=subject or (f"worker:{tag}" if tag else "operator"),
            scopes=list(scopes),
            ttl=ttl,
            private_key=key,
            algorithm=algorithm,
            tag=tag,
            instance=instance,
            kid=kid,
        )
    )


@cli.command("import-admin-core", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def import_admin_core(args: tuple[str, ...]) -> None:
    """Import an Admin Core worker export (same as scripts/migrate-worker-registry.sh)."""
    from registry.admin_import import main

    sys.exit(main(list(args)))


if __name__ == "__main__":  # pragma: no cover
    cli()
