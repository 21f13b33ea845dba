"""The registry CLI answers out-of-range or hostile input with a usage error (exit 2), never a hang or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import MAX_KEY_FILE_BYTES, cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("port", ["0", "99999", "-1"])
def test_serve_refuses_a_port_outside_the_tcp_range(port: str) -> None:
    code, output = _run("serve", "--port", port)
    assert code == 2 and "--port" in output


@pytest.mark.parametrize("ttl", ["0", "-5", str(400 * 86400)])
def test_token_refuses_a_lifetime_that_is_not_positive_or_longer_than_a_year(ttl: str) -> None:
    code, output = _run("token", "--scope", "workers:read", "--ttl", ttl)
    assert code == 2 and "--ttl" in output


def test_token_refuses_an_endless_key_file_without_reading_it_all() -> None:
    code, output = _run("token", "--scope", "workers:read", "--private-key-file", "/dev/zero")
    assert code == 2 and "not a PEM key" in output


def test_token_refuses_a_binary_key_file(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(b"\xff\xfe" * 10)
    code, output = _run("token", "--scope", "workers:read", "--private-key-file", str(key))
    assert code == 2 and "not ASCII" in output
    assert MAX_KEY_FILE_BYTES >= 16 * 1024  # an RSA-4096 PEM (~3.3 KiB) fits with room to spare
