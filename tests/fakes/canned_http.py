"""A loopback HTTP/1.1 server that answers each path with a canned response (hostile-answer tests).

``CannedHttpServer({"/stareMesaj": (200, "application/xml", b"...")})`` serves those bytes, whatever the query,
to any GET or POST (the request body is read and dropped); unknown paths get 404. It speaks plain HTTP so the
client under test goes through its real transport stack.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["Canned", "CannedHttpServer"]

Canned = tuple[int, str, bytes]


class CannedHttpServer:
    def __init__(self, answers: dict[str, Canned]):
        self.answers = answers
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, ctype, body = outer.answers.get(urlsplit(self.path).path, (404, "text/plain", b"no"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> CannedHttpServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
