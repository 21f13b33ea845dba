"""The CLI's error boundary: whatever a ``workers-core`` command raises on bad input ends as one line and exit 1.

``BoundaryGroup`` is the class of ``shared.cli.main``: every command, plug-in groups included, runs inside
``boundary()``, which lets click's own errors and ``SystemExit`` through and turns anything else into a
``click.ClickException`` whose message is one line (``Error: <what>``). Hostile or broken input (an external
entity the XML schema validator cannot handle, JSON nested beyond the recursion limit, a file that is not what
it claims) is named for what it is; ``WORKERS_CORE_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from shared.errors import WorkerError

__all__ = ["BoundaryGroup", "boundary", "describe", "exit_with_json", "fail"]

MAX_LINE = 300


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."


def _lxml_error(exc: BaseException) -> str | None:
    etree: Any = sys.modules.get("lxml.etree")
    if etree is None or not isinstance(exc, etree.Error):
        return None
    if isinstance(exc, etree.XMLSyntaxError):
        return f"not well-formed XML: {exc}"
    return f"the XML could not be processed ({type(exc).__name__}: {exc}); DOCTYPE and entity references are refused"


def describe(exc: BaseException) -> str:
    """One line saying what went wrong with the input, for a human at a terminal."""
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to be read"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text: {exc.reason} at byte {exc.start}"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot read{where}: {exc.strerror or exc}"
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False, include_input=False)[0]
        loc = ".".join(map(str, first["loc"])) or "input"
        return f"invalid input ({exc.error_count()} error(s)); {loc}: {first['msg']}"
    if isinstance(exc, WorkerError):
        return f"{exc.message} [{exc.code}]"
    if (xml := _lxml_error(exc)) is not None:
        return xml
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@contextmanager
def boundary() -> Iterator[None]:
    """Run a command: click's errors and exits pass through, anything else becomes one line and exit 1."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("WORKERS_CORE_DEBUG") == "1":
            raise
        raise click.ClickException(_one_line(describe(exc))) from None


class BoundaryGroup(click.Group):
    """A click group whose commands (and sub-groups' commands) all run inside ``boundary()``."""

    def invoke(self, ctx: click.Context) -> Any:
        with boundary():
            return super().invoke(ctx)


def exit_with_json(payload: Mapping[str, Any]) -> NoReturn:
    """A worker command's machine-readable failure: ``payload`` as indented JSON on stderr, exit 1."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2), err=True)
    sys.exit(1)


def fail(exc: BaseException) -> NoReturn:
    """``exit_with_json`` of ``exc``: our structured error, or only the message of a foreign one."""
    exit_with_json(exc.to_dict() if isinstance(exc, WorkerError) else {"message": str(exc)})
