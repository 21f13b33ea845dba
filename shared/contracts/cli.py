"""``workers-core contracts``: write or check the committed task contracts (``shared/contracts/tasks.json``) and
the AsyncAPI document of the events (``docs/asyncapi.json``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from shared.contracts import CONTRACTS_PATH, contracts_document, render
from shared.contracts.asyncapi import ASYNCAPI_PATH, asyncapi_document

__all__ = ["cli"]


@click.group("contracts")
def cli() -> None:
    """Public task contracts (payload and result JSON Schemas) and event contracts, generated from the code."""


def _emit(text: str, path: Path, *, write: bool, check: bool, command: str) -> None:
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            click.echo(f"{path} is stale: run `workers-core contracts {command} --write`", err=True)
            sys.exit(1)
        click.echo(f"{path}: up to date")
        return
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")
        return
    click.echo(text, nl=False)


@cli.command("export")
@click.option("--write", is_flag=True, help=f"write {CONTRACTS_PATH.name} instead of printing it")
@click.option("--check", is_flag=True, help="exit 1 when the committed file differs from the code")
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path), default=CONTRACTS_PATH, show_default=True)
def export(write: bool, check: bool, path: Path) -> None:
    """Print (or --write, or --check) the contracts of every task of every declared worker."""
    _emit(render(contracts_document()), path, write=write, check=check, command="export")


@cli.command("asyncapi")
@click.option("--write", is_flag=True, help=f"write {ASYNCAPI_PATH.name} instead of printing it")
@click.option("--check", is_flag=True, help="exit 1 when the committed file differs from the code")
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path), default=ASYNCAPI_PATH, show_default=True)
def asyncapi(write: bool, check: bool, path: Path) -> None:
    """Print (or --write, or --check) the AsyncAPI 3.0 document of the ``workers-core.events`` exchange."""
    _emit(render(asyncapi_document()), path, write=write, check=check, command="asyncapi")
