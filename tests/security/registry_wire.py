"""Raw HTTP/1.1 over a socket, for requests no client library sends: huge headers, bodies that never end."""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass

__all__ = ["Answer", "read_answer", "send_headers", "stream_body"]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def send_headers(port: int, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head)
    return sock


def read_answer(sock: socket.socket, timeout: float = 10.0) -> Answer:
    """Read one response (status line, headers, Content-Length body); fails after ``timeout`` seconds."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        part = sock.recv(65536)
        if not part:
            break
        body += part
    return Answer(int(lines[0].split()[1]), headers, body)


def stream_body(sock: socket.socket, total: int, chunk: int = 64 * 1024, deadline: float = 60.0) -> int:
    """Send up to ``total`` bytes as chunked transfer encoding until the server answers or hangs up;
    returns the bytes sent."""
    frame = f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n"
    sent = 0
    end = time.monotonic() + deadline
    sock.settimeout(5)
    while sent < total and time.monotonic() < end:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sock.sendall(frame)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            break
        sent += chunk
    return sent
