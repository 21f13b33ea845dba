"""``workers-core gateway``: serve the task gateway (default), write its OpenAPI document, mint test tokens."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import click

__all__ = ["OPENAPI_PATH", "cli", "openapi_document"]

OPENAPI_PATH = Path(__file__).with_name("openapi.json")


def openapi_document() -> dict[str, object]:
    """The OpenAPI document of the code as it is (no connection is opened)."""
    from gateway.config import GatewaySettings
    from gateway.main import create_app

    settings = GatewaySettings(jwt_secret="openapi-only", workers_core_env="development")  # noqa: S106 - no server
    return create_app(settings).openapi()


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Task gateway (GATEWAY_* settings, RMQ_URL, REDIS_URL). Without a sub-command: serve."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default=None, help="Listen address (default: GATEWAY_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Listen port (default: GATEWAY_PORT, 8095).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Processes (default: GATEWAY_WORKERS, 1).")
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Run the gateway HTTP service (uvicorn with uvloop and httptools; one or more processes)."""
    import uvicorn

    from gateway.config import get_settings
    from gateway.main import create_app
    from shared.logging import configure_logging
    from shared.startup import settings_guard

    with settings_guard("gateway"):
        settings = get_settings()
    configure_logging(settings.log_level, "console" if settings.log_format == "console" else "json")
    processes = workers or settings.workers
    # several processes import the factory each (they share nothing but Redis and the broker)
    app = "gateway.main:process_app" if processes > 1 else create_app(settings)
    gc.freeze()  # start-up objects never become garbage: keep them out of every collection
    uvicorn.run(
        app,
        factory=processes > 1,
        workers=processes,
        host=host or settings.host,
        port=port or settings.port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
    )


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
@click.option("--sub", "subject", required=True, help="Caller id (`sub`).")
@click.option("--tenant", required=True, help="Tenant claim.")
@click.option("--scope", "scopes", multiple=True, required=True, help="e.g. tasks:send:efactura.* or tasks:read.")
@click.option("--ttl", type=click.IntRange(1, 366 * 86400), default=3600, show_default=True)
def token(subject: str, tenant: str, scopes: tuple[str, ...], ttl: int) -> None:
    """Mint an HS256 token with GATEWAY_JWT_SECRET (operators, SDK tests, demos)."""
    from gateway.auth import mint_token
    from gateway.config import get_settings

    settings = get_settings()
    secret = settings.secret()
    if secret is None:
        raise click.UsageError("GATEWAY_JWT_SECRET is not set")
    click.echo(
        mint_token(
            secret,
            sub=subject,
            tenant=tenant,
            scopes=scopes,
            ttl_s=ttl,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )
    )


if __name__ == "__main__":  # pragma: no cover
    cli()
