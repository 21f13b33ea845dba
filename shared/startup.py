"""Start-up failures of the long-running commands (``workers-core worker``, ``registry serve``) in one line.

A settings error (a placeholder secret, a weak JWT key, a value out of range) is the operator's to fix, not a
bug: ``settings_guard`` turns it into ``StartupError``, which click prints as one ``Error: ...`` line on stderr
before exiting with status 2 (the usage-error status), instead of a traceback. The line names the settings
class and each field with pydantic's reason; the refused values are never echoed (they may be secrets).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError
from pydantic_settings import SettingsError

__all__ = ["StartupError", "settings_error_line", "settings_guard"]


class StartupError(click.ClickException):
    """The command cannot start as configured (exit status 2)."""

    exit_code = 2


def settings_error_line(exc: ValidationError | SettingsError) -> str:
    """``<Settings class>: <field>: <reason>; ...`` on one line, without the refused values."""
    if isinstance(exc, SettingsError):
        return " ".join(str(exc).split())
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        reason = str(error.get("msg", "")).removeprefix("Value error, ")
        loc = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{loc}: {reason}" if loc else reason)
    return " ".join(f"{exc.title}: {'; '.join(parts)}".split())


@contextmanager
def settings_guard(command: str) -> Iterator[None]:
    """Run the start-up of ``command``; a settings error ends it with one line and exit status 2."""
    try:
        yield
    except (ValidationError, SettingsError) as exc:
        raise StartupError(f"{command} cannot start: invalid settings: {settings_error_line(exc)}") from None
