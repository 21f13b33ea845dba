"""The SAF-T worker's typed errors: one root, one shared branch each, and nothing raised outside the tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import anaf_saft
from anaf_saft import errors
from anaf_saft.config import SaftSettings
from anaf_saft.health import deep_checks
from shared.errors import PayloadError, PermanentError, TransientError

PACKAGE = Path(anaf_saft.__file__).parent


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_is_a_saft_error_on_one_shared_branch(name: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.SaftError)
    if cls is not errors.SaftError:
        assert sum(issubclass(cls, b) for b in (PayloadError, PermanentError, TransientError)) == 1


def test_no_untyped_raise_in_the_package() -> None:
    untyped = {"RuntimeError", "Exception"}
    found = [
        f"{path.name}:{node.lineno}"
        for path in PACKAGE.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Raise)
        and node.exc is not None
        and isinstance(target := node.exc.func if isinstance(node.exc, ast.Call) else node.exc, ast.Name)
        and target.id in untyped
    ]
    assert found == []


def test_duk_check_names_the_missing_piece(tmp_path: Path) -> None:
    checks = {c.name: c for c in deep_checks(SaftSettings(ANAF_DUK_DIR=tmp_path, WORKERS_CORE_ENV="test"))}
    with pytest.raises(errors.SaftConfigurationError, match=r"DUKIntegrator\.jar not found"):
        checks["saft-duk"].check()
    (tmp_path / "DUKIntegrator.jar").write_bytes(b"PK")
    missing_java = SaftSettings(ANAF_DUK_DIR=tmp_path, ANAF_DUK_JAVA="no-such-java-here", WORKERS_CORE_ENV="test")
    with pytest.raises(errors.SaftConfigurationError, match="ANAF_DUK_JAVA"):
        {c.name: c for c in deep_checks(missing_java)}["saft-duk"].check()
    assert deep_checks(SaftSettings(WORKERS_CORE_ENV="test"))[0].check() == {"duk": "not configured"}
