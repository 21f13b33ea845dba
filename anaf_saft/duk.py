"""ANAF's DUKIntegrator (Java) as a validator: isolated temp dir, error file parsed, exit code never trusted.

``java -Dfile.encoding=UTF-8 -Xmx<mem> -jar <dir>/DUKIntegrator.jar -c <dir>/config -v D406[T] <xml> <err>``
runs in a fresh temporary directory (the validators write ``<xml>.log`` next to the input). The exit
code is always 0, so the verdict comes from the error file only: ``ok`` -> valid; lines prefixed ``E:``
or ``F:`` block the filing, ``W:``/``A:`` are warnings; a missing, empty or unparseable file is a
failure (old jars, missing ``config/``...). ANAF.md §4.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.xml import Finding

__all__ = ["DukResult", "DukValidator"]

_OUTPUT_TAIL = 2000


@dataclass
class DukResult:
    configured: bool
    valid: bool | None = None
    findings: list[Finding] = field(default_factory=list)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "valid": self.valid,
            "detail": self.detail,
            "findings": [f.to_dict() for f in self.findings],
        }


def parse_error_file(text: str) -> tuple[bool | None, list[Finding]]:
    """(valid, findings) from DUK's error file; ``None`` when it says nothing we understand."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return None, []
    findings: list[Finding] = []
    saw_ok = False
    for ln in lines:
        head = ln[:2].upper()
        if head in {"E:", "F:"}:
            findings.append(Finding(source="duk", rule=head[0], message=ln[2:].strip(), fatal=True))
        elif head in {"W:", "A:"}:
            findings.append(Finding(source="duk", rule=head[0], message=ln[2:].strip(), fatal=False))
        elif ln.lower() == "ok" or ln.lower().startswith("ok "):
            saw_ok = True
        else:
            findings.append(Finding(source="duk", rule="text", message=ln[:500], fatal=False))
    if any(f.fatal for f in findings):
        return False, findings
    if saw_ok:
        return True, findings
    return None, findings


class DukValidator:
    """Runs DUKIntegrator if ``duk_dir`` is set; otherwise every result says "not configured"."""

    def __init__(self, duk_dir: Path | None, *, java: str = "java", max_memory: str = "4g", timeout: float = 900.0):
        self.duk_dir = Path(duk_dir) if duk_dir else None
        self.java = java
        self.max_memory = max_memory
        self.timeout = timeout

    def _run(self, jar: Path, form: str, xml: Path, err: Path) -> subprocess.CompletedProcess[bytes] | DukResult:
        """Run DUKIntegrator on ``xml`` (verdict in ``err``); a timeout or a missing Java is a failed result."""
        cmd = [
            self.java,
            "-Dfile.encoding=UTF-8",
            f"-Xmx{self.max_memory}",
            "-jar",
            str(jar),
            "-c",
            str(jar.parent / "config"),
            "-v",
            form,
            str(xml),
            str(err),
        ]
        try:
            proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
                cmd, cwd=xml.parent, capture_output=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return DukResult(
                configured=True,
                valid=None,
                detail=f"DUKIntegrator timed out after {self.timeout}s",
                findings=[Finding(source="duk", rule="timeout", message="DUKIntegrator timed out", fatal=True)],
            )
        except OSError as exc:
            return DukResult(
                configured=True,
                valid=None,
                detail=f"cannot run {self.java}: {exc}",
                findings=[Finding(source="duk", rule="setup", message=str(exc), fatal=True)],
            )
        return proc

    def validate(self, xml_path: Path, *, test: bool) -> DukResult:
        if self.duk_dir is None:
            return DukResult(
                configured=False, detail="not configured (set ANAF_DUK_DIR to the DUKIntegrator directory)"
            )
        jar = self.duk_dir / "DUKIntegrator.jar"
        if not jar.is_file() or not (self.duk_dir / "config").is_dir():
            return DukResult(
                configured=True,
                valid=None,
                detail=f"{jar} or its config/ directory is missing",
                findings=[Finding(source="duk", rule="setup", message="DUKIntegrator not found", fatal=True)],
            )
        form = "D406T" if test else "D406"
        with tempfile.TemporaryDirectory(prefix="duk-") as tmp:
            work = Path(tmp)
            xml = work / "d406.xml"
            try:
                xml.hardlink_to(xml_path)
            except OSError:
                shutil.copyfile(xml_path, xml)
            err = work / "d406.err.txt"
            proc = self._run(jar, form, xml, err)
            if isinstance(proc, DukResult):
                return proc
            text = err.read_text(encoding="utf-8", errors="replace") if err.is_file() else ""
            valid, findings = parse_error_file(text)
            if valid is None:
                out = (proc.stdout + proc.stderr).decode("utf-8", "replace")[-_OUTPUT_TAIL:]
                findings.append(
                    Finding(
                        source="duk",
                        rule="no_verdict",
                        fatal=True,
                        message=f"no usable error file (exit code {proc.returncode} ignored): {out.strip()[:500]}",
                    )
                )
                return DukResult(
                    configured=True, valid=False, findings=findings, detail="DUKIntegrator gave no verdict"
                )
            return DukResult(configured=True, valid=valid, findings=findings, detail="ok" if valid else "rejected")
