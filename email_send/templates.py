"""Named Jinja2 e-mail templates: ``<name>/subject.txt``, ``body.txt`` and/or ``body.html`` (autoescaped)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from email_send.models import header_safe
from shared.errors import PayloadError, PermanentError

__all__ = ["RenderedTemplate", "TemplateRenderer", "format_ron", "http_url"]

_PACKAGE_DIR = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class RenderedTemplate:
    subject: str
    text: str | None
    html: str | None


def format_ron(value: Any, currency: str = "lei") -> str:
    """Romanian money format: ``1234.5`` -> ``1.234,50 lei``."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {value!r}") from None
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{'.'.join(groups)},{cents} {currency}".strip()


def http_url(value: Any) -> str:
    """Only http(s) links reach a template (no ``javascript:`` or ``data:`` URLs from data)."""
    text = str(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"only http(s) URLs are allowed in links, got {text[:80]!r}")
    return text


class TemplateRenderer:
    """Renders a named template with caller data; HTML is autoescaped, undefined variables are errors."""

    def __init__(self, extra_dir: Path | None = None):
        dirs = [extra_dir] if extra_dir is not None else []
        self._envs = [self._environment(d) for d in (*dirs, _PACKAGE_DIR)]

    @staticmethod
    def _environment(directory: Path) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(directory)),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "htm"), default_for_string=False, default=False
            ),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["ron"] = format_ron
        env.filters["http_url"] = http_url
        return env

    def names(self) -> list[str]:
        return sorted(
            {
                name.split("/", 1)[0]
                for env in self._envs
                for name in env.list_templates()
                if name.endswith("/subject.txt")
            }
        )

    def _env_for(self, name: str) -> jinja2.Environment:
        """A template is taken whole from the first directory that has its ``subject.txt``."""
        for env in self._envs:
            try:
                env.get_template(f"{name}/subject.txt")
            except jinja2.TemplateNotFound:
                continue
            except jinja2.TemplateSyntaxError:
                return env
            return env
        raise PayloadError(
            f"unknown template {name!r}",
            errors=[{"loc": ["template"], "msg": f"no template named {name!r}", "type": "unknown_template"}],
        )

    def _render(
        self, env: jinja2.Environment, name: str, part: str, data: dict[str, Any], *, required: bool
    ) -> str | None:
        try:
            template = env.get_template(f"{name}/{part}")
        except jinja2.TemplateNotFound:
            if required:
                raise PayloadError(
                    f"unknown template {name!r}",
                    errors=[{"loc": ["template"], "msg": f"no template named {name!r}", "type": "unknown_template"}],
                ) from None
            return None
        except jinja2.TemplateSyntaxError as exc:
            raise PermanentError(f"template {name}/{part} is broken: {exc}", code="template_broken") from None
        try:
            return template.render(**data)
        except jinja2.UndefinedError as exc:
            raise PayloadError(
                f"template {name!r} needs more data",
                errors=[{"loc": ["data"], "msg": str(exc), "type": "missing"}],
            ) from None
        except ValueError as exc:  # our filters refuse bad values (amounts, URLs)
            raise PayloadError(
                f"template {name!r} cannot use the data given",
                errors=[{"loc": ["data"], "msg": str(exc), "type": "value_error"}],
            ) from None

    def render(self, name: str, data: dict[str, Any], *, subject: str | None = None) -> RenderedTemplate:
        """The subject (rendered unless given), text and/or HTML body of template ``name``."""
        env = self._env_for(name)
        rendered_subject = self._render(env, name, "subject.txt", data, required=True) or ""
        final_subject = (subject if subject is not None else rendered_subject).strip()
        try:
            header_safe(final_subject)
        except ValueError as exc:
            raise PayloadError(
                "the rendered subject is not a valid header",
                errors=[{"loc": ["data"], "msg": f"subject: {exc}", "type": "header_injection"}],
            ) from None
        text = self._render(env, name, "body.txt", data, required=False)
        html = self._render(env, name, "body.html", data, required=False)
        if text is None and html is None:
            raise PermanentError(f"template {name!r} has no body.txt or body.html", code="template_broken")
        return RenderedTemplate(subject=final_subject, text=text, html=html)
