"""Scaling a tag through the Kubernetes API: a fake API server on loopback speaks the real protocol (HTTPS with the
cluster CA, service-account bearer token, ``PATCH .../deployments/<name>/scale`` as a JSON merge patch, ``Status``
objects for refusals); outside a cluster the console shows the ``kubectl`` command instead."""

from __future__ import annotations

import datetime
import ipaddress
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from console.control import Control
from console.errors import RequestRefused
from tests.registry.helpers import free_port

TOKEN = "sa-token-console"
FORBIDDEN = "sa-token-without-rbac"


def _status(code: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
        status_code=code,
    )


class FakeKubeApi:
    def __init__(self, tmp: Path) -> None:
        self.deployments = {("workers-core", "notify-slack"): 1}
        self.patches: list[dict[str, Any]] = []
        self.port = free_port()
        self.cert, self.key = tmp / "apiserver.crt", tmp / "apiserver.key"
        _self_signed(self.cert, self.key)

    async def scale(self, request: Request) -> JSONResponse:
        ns, name = request.path_params["ns"], request.path_params["name"]
        auth = request.headers.get("authorization", "")
        if auth not in (f"Bearer {TOKEN}", f"Bearer {FORBIDDEN}"):
            return _status(401, "Unauthorized", "Unauthorized")
        if auth == f"Bearer {FORBIDDEN}":
            return _status(
                403,
                "Forbidden",
                f'deployments.apps "{name}" is forbidden: User '
                f'"system:serviceaccount:{ns}:console" cannot patch resource "deployments/scale"',
            )
        if request.headers.get("content-type") != "application/merge-patch+json":
            return _status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
        if (ns, name) not in self.deployments:
            return _status(404, "NotFound", f'deployments.apps "{name}" not found')
        patch = json.loads(await request.body())
        self.patches.append(patch)
        self.deployments[(ns, name)] = int(patch["spec"]["replicas"])
        return JSONResponse(
            {
                "kind": "Scale",
                "apiVersion": "autoscaling/v1",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"replicas": self.deployments[(ns, name)]},
                "status": {"replicas": 1},
            }
        )

    def serve(self) -> Iterator[str]:
        app = Starlette(
            routes=[Route("/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale", self.scale, methods=["PATCH"])]
        )
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                ssl_certfile=str(self.cert),
                ssl_keyfile=str(self.key),
            )
        )
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        yield f"https://127.0.0.1:{self.port}"
        server.should_exit = True
        thread.join(10)


def _self_signed(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[tuple[FakeKubeApi, str]]:
    fake = FakeKubeApi(tmp_path)
    for url in fake.serve():
        yield fake, url


def _control(console_settings, tmp_path: Path, url: str | None, token: str) -> Control:
    token_file = tmp_path / "token"
    token_file.write_text(token)
    return Control(
        console_settings(kube_api_url=url, kube_token_file=token_file, kube_ca_file=tmp_path / "apiserver.crt")
    )


def test_scale_through_the_kubernetes_api(console_settings, kube, tmp_path: Path) -> None:
    fake, url = kube
    result = _control(console_settings, tmp_path, url, TOKEN).scale("notify.slack", 3)
    assert result["mode"] == "api" and result["replicas"] == 3
    assert fake.deployments[("workers-core", "notify-slack")] == 3
    assert fake.patches == [{"spec": {"replicas": 3}}]
    with pytest.raises(RequestRefused, match=r"403.*cannot patch"):
        _control(console_settings, tmp_path, url, FORBIDDEN).scale("notify.slack", 2)
    with pytest.raises(RequestRefused, match=r"404.*not found"):
        _control(console_settings, tmp_path, url, TOKEN).scale("ocr", 2)


def test_outside_a_cluster_the_command_is_shown(console_settings, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    result = Control(console_settings(kube_token_file=tmp_path / "absent")).scale("pdf.render", 0)
    assert result == {
        "mode": "command",
        "replicas": 0,
        "command": "kubectl -n workers-core scale deployment/pdf-render --replicas=0",
    }
