"""Fixtures of the PDF tests: canary HTTP servers on loopback that record every hit, a shared Chromium."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from pdf_render.browser import BrowserHost
from pdf_render.config import PdfRenderSettings
from pdf_render.service import PdfService, build_host

CHROMIUM = Path("/usr/bin/chromium")

# a 1x1 red PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
    "000003010100c9fe92ef0000000049454e44ae426082"
)


@dataclass
class CanaryServer:
    """A loopback HTTP server; every request is recorded. Paths:

    - ``/page/<id>``: HTML containing ``CANARY-<id>``;  ``/img/<id>``: a PNG;  ``/css/<id>``: CSS whose
      ``::after`` prints ``CANARY-<id>``;
    - ``/redirect?to=<url>``: 302 to ``url``.
    """

    host: str
    server: ThreadingHTTPServer
    hits: list[tuple[str, str]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def paths(self) -> list[str]:
        return [path for path, _host in self.hits]


def _handler(record: Callable[[str, str], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Set-Cookie", "tracker=1")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            record(self.path, self.headers.get("Host", ""))
            parts = urlsplit(self.path)
            kind, _, ident = parts.path.strip("/").partition("/")
            if kind == "page":
                self._send(200, f"<html><body><p>CANARY-{ident}</p></body></html>".encode(), "text/html")
            elif kind == "img":
                self._send(200, PNG, "image/png")
            elif kind == "css":
                css = f'body::after {{ content: "CANARY-{ident}"; }}'
                self._send(200, css.encode(), "text/css")
            elif kind == "redirect":
                target = parse_qs(parts.query).get("to", ["/"])[0]
                self._send(302, b"", "text/plain", {"Location": target})
            elif kind == "status":
                code = int(ident or "500")
                self._send(code, f"status {code}".encode(), "text/plain")
            else:
                self._send(404, b"not found", "text/plain")

        do_HEAD = do_GET
        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _serve(host: str) -> Iterator[CanaryServer]:
    hits: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(path: str, host_header: str) -> None:
        with lock:
            hits.append((path, host_header))

    server_cls = type(
        "Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET}
    )
    server = server_cls((host, 0), _handler(record))
    server.daemon_threads = True
    canary = CanaryServer(host=host, server=server, hits=hits)
    thread = threading.Thread(target=server.serve_forever, name=f"canary-{host}", daemon=True)
    thread.start()
    yield canary
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def canary() -> Iterator[CanaryServer]:
    """The server every forbidden reference points at: it must never be hit."""
    yield from _serve("127.0.0.1")


@pytest.fixture
def canary6() -> Iterator[CanaryServer]:
    """The same on IPv6 loopback."""
    yield from _serve("::1")


@pytest.fixture
def trusted_origin() -> Iterator[CanaryServer]:
    """A server on 127.0.0.2: tests allowlist it and trust 127.0.0.2/32, like an internal asset server."""
    yield from _serve("127.0.0.2")


def settings(**overrides: Any) -> PdfRenderSettings:
    base: dict[str, Any] = {"chromium_path": CHROMIUM, "WORKERS_CORE_ENV": "test"}
    return PdfRenderSettings(**{**base, **overrides})


@pytest.fixture(scope="module")
def shared_host() -> Iterator[BrowserHost]:
    """One Chromium for a whole test module (as in a worker process)."""
    host = build_host(settings())
    yield host
    host.close()


@pytest.fixture
def make_service(shared_host: BrowserHost) -> Callable[..., PdfService]:
    """``make_service(**settings)`` -> a service on the module's Chromium with those settings."""

    def _make(**overrides: Any) -> PdfService:
        return PdfService.build(settings(**overrides), shared_host)

    return _make


def pdf_text(data: bytes) -> str:
    """Text of every page, via poppler's pdftotext (independent of the renderer under test)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def descendants(root: int) -> list[int]:
    """Process ids under ``root`` (from /proc; Linux only)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, []):
            found.append(child)
            stack.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def chromium_renderer_pids(root: int) -> list[int]:
    """Chromium renderer processes under ``root`` (children rewrite their title, so search the raw bytes)."""
    return [pid for pid in descendants(root) if b"--type=renderer" in _cmdline(pid)]


def chromium_browser_pids(root: int) -> list[int]:
    """Main Chromium browser processes under ``root`` (not its renderer/utility children)."""
    pids = []
    for pid in descendants(root):
        raw = _cmdline(pid)
        if raw.split(b"\0", 1)[0].endswith(b"chromium") and b"--type=" not in raw:
            pids.append(pid)
    return pids
