"""Playwright on Debian's chromium (as pdf_render launches it) for the console's browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
#: pdf_render's flags without its resolver block (the console is reached over loopback)
LAUNCH_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
REPO = Path(__file__).resolve().parents[2]
#: CONSOLE_SCREENSHOTS=1 writes the README's screenshots into docs/console/ (else a temp dir)
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS") == "1"


@contextmanager
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(LAUNCH_ARGS), headless=True)
        try:
            yield launched
        finally:
            launched.close()


def login(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/workers")


def shot(page: Any, name: str, tmp: Path) -> Path:
    target = (REPO / "docs" / "console" if SCREENSHOTS else tmp) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
