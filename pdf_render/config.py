"""Settings of the PDF worker (``PDF_RENDER_*``; Chromium's path also from ``CHROMIUM_PATH``).

The names before the ``<PACKAGE>_`` scheme (``PDF_*``) are still read; the new ones win.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from shared.settings_aliases import RenamedPrefixSettings

__all__ = ["PdfRenderSettings", "get_settings"]

CommaList = Annotated[list[str], NoDecode]


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class PdfRenderSettings(RenamedPrefixSettings):
    """Browser pool, limits and the network policy of rendered pages (deny by default)."""

    model_config = SettingsConfigDict(
        env_prefix="PDF_RENDER_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )
    old_env_prefixes = ("PDF_",)

    chromium_path: Path = Field(
        default=Path("/usr/bin/chromium"),
        validation_alias=AliasChoices("PDF_RENDER_CHROMIUM_PATH", "PDF_CHROMIUM_PATH", "CHROMIUM_PATH"),
    )
    #: Pages rendering at the same time in one worker process (each render gets its own page).
    pool_size: int = Field(default=4, ge=1, le=16)
    #: The browser is closed and relaunched after this many renders (leak hygiene, as Gotenberg does).
    restart_after: int = Field(default=100, ge=1)
    launch_timeout: float = Field(default=20.0, gt=0)
    #: Time limit of one render when the request gives none, and the largest a request may ask for.
    default_timeout: float = Field(default=30.0, gt=0)
    max_timeout: float = Field(default=100.0, gt=0)
    max_html_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_pdf_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_pages: int = Field(default=1000, ge=1)
    #: Hosts pages may load from (``example.com``, ``*.example.com``, ``cdn.example.com:8443``); empty = none.
    url_allowlist: CommaList = Field(default_factory=list)
    #: Networks exempt from the private/loopback/link-local refusal (e.g. an internal asset server). Empty.
    trusted_networks: CommaList = Field(default_factory=list)
    #: Plain http to allowlisted hosts (https only by default).
    allow_http: bool = False
    max_resource_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_total_resource_bytes: int = Field(default=30 * 1024 * 1024, ge=1024)
    max_requests: int = Field(default=200, ge=1)
    max_redirects: int = Field(default=5, ge=0, le=20)
    resource_timeout: float = Field(default=10.0, gt=0)
    #: Extra Jinja2 template directory, searched before the built-in templates.
    template_dir: Path | None = None

    @field_validator("template_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value  # ``VAR=`` in .env means unset

    @field_validator("url_allowlist", "trusted_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("trusted_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("url_allowlist")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        from pdf_render.netpolicy import parse_allow_entry

        for item in value:
            if "/" in item or "@" in item or " " in item:
                raise ValueError(f"PDF_RENDER_URL_ALLOWLIST entries are host or host:port, not URLs: {item!r}")
            try:
                parse_allow_entry(item)
            except ValueError as exc:
                raise ValueError(f"PDF_RENDER_URL_ALLOWLIST entry {item!r} is malformed: {exc}") from None
        return [item.lower() for item in value]


@lru_cache(maxsize=1)
def get_settings() -> PdfRenderSettings:
    """The process's PDF settings (the CLI; the worker reads them once through its ``WorkerSpec``)."""
    return PdfRenderSettings()
