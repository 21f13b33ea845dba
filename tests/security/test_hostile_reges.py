"""Hostile or broken REGES answers end in the typed REGES tree, never in a bare exception: DOCTYPE, external
entities and entity bombs in XML, JSON nested beyond the recursion limit, wrong shapes, HTML pages, redirects,
rate limiting, an ASP.NET problem answer, a Keycloak answer that is not an object. The server is a real HTTP
server on loopback that answers what each test scripts (the token endpoint speaks Keycloak's password grant)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from reges.client import KeycloakTokens, RegesClient, RegesTokenAuth
from reges.errors import (
    RegesAuthError,
    RegesError,
    RegesProtocolError,
    RegesRateLimitError,
    RegesRejectedError,
)
from reges.message import NS

TOKEN_PATH = "/realms/API/protocol/openid-connect/token"
GOOD_TOKEN = json.dumps({"access_token": "t", "expires_in": 300, "refresh_token": "r", "refresh_expires_in": 600})
Answer = tuple[int, dict[str, str], bytes]


class _Hostile(BaseHTTPRequestHandler):
    answers: dict[str, Answer] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        status, headers, body = self.answers.get(self.path.split("?")[0], (404, {}, b""))
        self.send_response(status)
        for name, value in {"content-length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[tuple[str, dict[str, Answer]]]:
    answers: dict[str, Answer] = {TOKEN_PATH: (200, {"content-type": "application/json"}, GOOD_TOKEN.encode())}
    handler = type("Handler", (_Hostile,), {"answers": answers})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answers
    server.shutdown()
    server.server_close()


def _client(url: str) -> RegesClient:
    tokens = KeycloakTokens(
        httpx.Client(timeout=10),
        url + TOKEN_PATH,
        client_id="reges-api",
        client_secret=None,
        username="api-18547290",
        password="p",
    )
    return RegesClient(httpx.Client(base_url=url, auth=RegesTokenAuth(tokens), timeout=10), consumer_id="c")


XML = {"content-type": "application/xml"}
JSON = {"content-type": "application/json"}
BOMB = (
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    + "]>"
)


def _receipt(response_id: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>{prolog}<MessageResponse xmlns="{NS}"><Header><MessageId>m</MessageId></Header>'
        f"<ResponseId>{response_id}</ResponseId></MessageResponse>"
    ).encode()


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("external entity", (200, XML, _receipt("&e;", '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'))),
        ("entity bomb", (200, XML, _receipt("&i;", BOMB))),
        ("undeclared entity", (200, XML, _receipt("&e;"))),
        ("not well-formed", (200, XML, b"<MessageResponse><ResponseId>")),
        ("html page", (200, {"content-type": "text/html"}, b"<html><body>Request Rejected</body></html>")),
        ("deep json", (200, JSON, ('{"a":' * 100_000 + "1" + "}" * 100_000).encode())),
        ("json not an object", (200, JSON, b"[1, 2, 3]")),
        ("binary", (200, JSON, b"\xff\xfe\x00garbage")),
        ("redirect", (302, {"location": "http://169.254.169.254/"}, b"")),
    ],
)
def test_a_hostile_submit_answer_is_a_reges_protocol_error(hostile, name: str, answer: Answer) -> None:
    url, answers = hostile
    answers["/api/Salariat"] = answer
    started = time.perf_counter()
    with pytest.raises(RegesError) as info:
        _client(url).submit("Salariat", b"<Message/>", fmt="xml")
    assert time.perf_counter() - started < 5
    assert isinstance(info.value, RegesProtocolError | RegesRejectedError), repr(info.value)
    assert "root:x:0:0" not in str(info.value.to_dict())


def test_comments_and_processing_instructions_do_not_cut_a_value(hostile) -> None:
    url, answers = hostile
    rid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    answers["/api/Salariat"] = (200, XML, _receipt(f"{rid[:8]}<!-- x --><?pi y?>{rid[8:]}"))
    assert _client(url).submit("Salariat", b"<Message/>", fmt="xml") == rid


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b'{"results": []}',
        b'[1, "x", null]',
        f'<ArrayOfMessageResult xmlns="{NS}"><MessageResult><Header><Versiune>cinci</Versiune></Header>'
        f"</MessageResult></ArrayOfMessageResult>".encode(),
    ],
)
def test_a_hostile_result_batch_is_a_reges_protocol_error(hostile, body: bytes) -> None:
    url, answers = hostile
    answers["/api/Status/ReadBatch"] = (200, XML if body.startswith(b"<") else JSON, body)
    answers["/api/Detasare/Propuneri/ReadBatch"] = answers["/api/Status/ReadBatch"]
    client = _client(url)
    with pytest.raises(RegesProtocolError):
        client.read_batch(10)
    with pytest.raises(RegesProtocolError):
        client.read_proposals("Detasare", 10)


def test_rate_limiting_is_a_retryable_reges_rate_limit_error(hostile) -> None:
    url, answers = hostile
    answers["/api/Status/ReadBatch"] = (429, {"retry-after": "7"}, b"")
    with pytest.raises(RegesRateLimitError) as info:
        _client(url).read_batch(1)
    assert info.value.retryable and info.value.retry_after == 7.0 and info.value.code == "reges_rate_limited"


def test_an_aspnet_problem_answer_keeps_regess_own_words(hostile) -> None:
    url, answers = hostile
    problem = {
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"$.Info.Cnp": ["CNP invalid"], "$.Header": ["MessageId lipsa"]},
    }
    answers["/api/Salariat"] = (400, JSON, json.dumps(problem).encode())
    with pytest.raises(RegesRejectedError) as info:
        _client(url).submit("Salariat", b"<Message/>", fmt="xml")
    assert info.value.messages == ["One or more validation errors occurred.", "CNP invalid", "MessageId lipsa"]
    assert info.value.status_code == 400 and not info.value.retryable
    assert info.value.to_dict()["details"]["api"] == "reges"


@pytest.mark.parametrize("token_answer", [b"[]", b'"token"', b"\xff", b'{"a":' * 100_000 + b"1" + b"}" * 100_000])
def test_a_keycloak_answer_that_is_not_an_object_is_a_protocol_error(hostile, token_answer: bytes) -> None:
    url, answers = hostile
    answers[TOKEN_PATH] = (200, JSON, token_answer)
    with pytest.raises(RegesProtocolError):
        _client(url).read_batch(1)


def test_a_refused_token_is_a_permanent_auth_error(hostile) -> None:
    url, answers = hostile
    answers["/api/Status/ReadBatch"] = (403, JSON, b'{"error": "forbidden"}')
    with pytest.raises(RegesAuthError) as info:
        _client(url).read_batch(1)
    assert not info.value.retryable and info.value.status_code == 403
