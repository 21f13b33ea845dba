"""Every ``workers-core`` command answers hostile or broken input with a clear line and a non-zero exit, never a
traceback: external entities (XXE), entity bombs, JSON and XML nested beyond any sane depth, files that are not
what they claim. The commands run through ``shared.cli.main`` (the CLI's error boundary, ``shared.cli_errors``)
with ``catch_exceptions=False``: an exception escaping the boundary fails the test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from anaf_saft.writer import NS_PRODUCTION as SAFT_NS
from reges.message import NS as REGES_NS
from shared.cli import main

ETR_NS = "mfp:anaf:dgti:eTransport:declaratie:v2"
UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
REPO = Path(__file__).resolve().parents[2]
XXE = '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
BOMB = (
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    + "]>"
)


def _xml(root: str, ns: str, prolog: str, body: str) -> str:
    return f'<?xml version="1.0"?>\n{prolog}\n<{root} xmlns="{ns}">{body}</{root}>\n'


def _deep_json(depth: int = 100_000) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _deep_xml(depth: int = 100_000) -> str:
    return "<a>" * depth + "</a>" * depth


HOSTILE = {
    "xxe": lambda root, ns: _xml(root, ns, XXE, "<x>&e;</x>"),
    "entity-bomb": lambda root, ns: _xml(root, ns, BOMB, "<x>&i;</x>"),
    "deep-xml": lambda root, ns: _deep_xml(),
}
VALIDATORS = {  # group -> (command, root element, namespace)
    "reges": ("validate", "Message", REGES_NS),
    "etransport": ("validate", "eTransport", ETR_NS),
    "efactura": ("validate", "Invoice", UBL_NS),
    "saft": ("validate", "AuditFile", SAFT_NS),
}


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.output


def _assert_refused(code: int, output: str) -> list[str]:
    lines = [line for line in output.splitlines() if line.strip()]
    assert code != 0 and lines, output
    assert "Traceback" not in output and "root:x:0:0" not in output, output
    assert all(len(line) < 1000 for line in lines), output
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) <= 1, output  # a boundary refusal is one line
    return lines


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("group", sorted(VALIDATORS))
def test_validate_refuses_hostile_xml_cleanly(group: str, kind: str, tmp_path: Path) -> None:
    command, root, ns = VALIDATORS[group]
    path = tmp_path / f"{kind}.xml"
    path.write_text(HOSTILE[kind](root, ns))
    _assert_refused(*_run([group, command, str(path)]))


@pytest.mark.parametrize("group", sorted(VALIDATORS))
def test_validate_refuses_a_file_that_is_not_xml(group: str, tmp_path: Path) -> None:
    path = tmp_path / "garbage.xml"
    path.write_bytes(b"\xff\xfe\x00\x01 not xml at all \x00")
    _assert_refused(*_run([group, VALIDATORS[group][0], str(path)]))


def test_reges_validate_says_one_line_for_an_external_entity(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(_xml("Message", REGES_NS, XXE, "<Header><MessageId>&e;</MessageId></Header>"))
    lines = _assert_refused(*_run(["reges", "validate", str(path)]))
    assert len(lines) == 1 and "DOCTYPE / ENTITY declarations are not allowed" in lines[0]


def test_reges_validate_says_one_line_for_deeply_nested_json(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_deep_json())
    lines = _assert_refused(*_run(["reges", "validate", str(path)]))
    assert lines == ["FATAL unreadable: the message is nested too deeply"]


@pytest.mark.parametrize(
    "args",
    [
        ["reges", "build"],
        ["etransport", "build"],
        ["etransport", "policy"],
        ["efactura", "build"],
    ],
)
def test_json_commands_refuse_deep_and_broken_json_in_one_line(args: list[str], tmp_path: Path) -> None:
    for name, text in (("deep.json", _deep_json()), ("broken.json", "{[[["), ("binary.json", "\udcff")):
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        lines = _assert_refused(*_run([*args, str(path)]))
        if args[0] != "efactura":  # e-Factura's own refusal wording is its helper's; the boundary holds for all
            assert len(lines) == 1 and lines[0].startswith("Error: "), lines


def test_saft_generate_refuses_deep_json(tmp_path: Path) -> None:
    request = tmp_path / "deep.json"
    request.write_text(_deep_json())
    (tmp_path / "export").mkdir()
    lines = _assert_refused(
        *_run(
            ["saft", "generate", str(request), "--export-dir", str(tmp_path / "export"), "--out", str(tmp_path / "out")]
        )
    )
    assert lines == ["Error: the input is nested too deeply to be read"]


def test_the_installed_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    """The same boundary as a real process: stderr carries one line, the exit status is 1."""
    path = tmp_path / "deep.json"
    path.write_text(json.dumps({"employer_cui": "1"})[:-1] + ', "message": ' + _deep_json() + "}")
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "reges", "build", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["Error: the input is nested too deeply to be read"]
