"""Named Jinja2 templates for PDFs: sandboxed, autoescaped, strict about missing data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from shared.errors import PayloadError

__all__ = ["TemplateRenderer", "money", "ro_date"]


def money(value: Any, currency: str = "lei") -> str:
    """``1234.5`` -> ``1.234,50 lei`` (Romanian grouping and decimal comma)."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = f"{sign}{'.'.join(groups)},{frac}"
    return f"{text} {currency}".strip()


def ro_date(value: Any) -> str:
    """``2026-03-12`` / date / datetime -> ``12.03.2026``."""
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


def _error(loc: str, msg: str, kind: str) -> PayloadError:
    return PayloadError("template could not be rendered", errors=[{"loc": [loc], "msg": msg, "type": kind}])


class TemplateRenderer:
    """Renders ``name`` with ``data``; ``template_dir`` (if any) is searched before the built-ins."""

    def __init__(self, template_dir: Path | None = None):
        loaders: list[Any] = []
        if template_dir is not None:
            loaders.append(FileSystemLoader(str(template_dir)))
        loaders.append(PackageLoader("pdf_render", "templates"))
        self.env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            auto_reload=False,
        )
        self.env.filters["money"] = money
        self.env.filters["ro_date"] = ro_date

    def names(self) -> list[str]:
        return sorted(n for n in self.env.list_templates() if n.endswith((".html", ".htm", ".j2")))

    def render(self, name: str, data: Mapping[str, Any]) -> str:
        try:
            template = self.env.get_template(name)
        except TemplateNotFound:
            raise _error("template", f"unknown template {name!r}", "template_not_found") from None
        except TemplateSyntaxError as exc:
            raise _error("template", f"template {name!r} line {exc.lineno}: {exc.message}", "template_syntax") from None
        try:
            return template.render(**dict(data))
        except UndefinedError as exc:
            raise _error("data", exc.message or "missing value", "missing") from None
        except SecurityError as exc:
            raise _error("template", f"unsafe template operation: {exc}", "template_security") from None
        except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise _error("data", f"{type(exc).__name__}: {exc}"[:300], "template_render") from None
