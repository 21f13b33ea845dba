"""The committed manifest: complete provenance for every artefact, and exactly what the workers validate with."""

from __future__ import annotations

import re

import pytest

from shared.schemas import load_manifest
from shared.schemas.manifest import parse_manifest

#: what each filing worker validates against (the issue's list: UBL, CIUS-RO, e-Transport XSD + Schematron, D406, REGES)
REQUIRED = {"ubl-2.1", "cius-ro", "etransport-xsd", "etransport-schematron", "saft-d406", "reges"}


def test_every_validation_artefact_is_pinned_with_its_sources() -> None:
    manifest = load_manifest()
    validation = {a.name: a for a in manifest.artefacts if a.role == "validation"}
    assert set(validation) == REQUIRED
    for a in manifest.artefacts:
        assert a.official_url.startswith("https://") and a.licence and a.version and a.publisher
        assert re.fullmatch(r"[0-9a-f]{40}", a.mirror_commit)
        assert a.mirror_repo in {
            "robert-malai/anafpy",
            "phax/phive-rules",
            "stefanache/MFP-ANAF-RO",
            "reges-ro/integrare",
        }
        for f in a.files:
            assert a.mirror_url(f).startswith(f"https://raw.githubusercontent.com/{a.mirror_repo}/{a.mirror_commit}/")
            assert f.size > 0 and len(f.sha256) == 64


def test_workers_name_only_manifest_artefacts() -> None:
    from anaf_efactura.health import SCHEMAS as efactura
    from anaf_etransport.runtime import SCHEMAS as etransport
    from anaf_saft.runtime import SCHEMAS as saft
    from reges.runtime import SCHEMAS as reges

    named = {n for req in (efactura, etransport, saft, reges) for n in req.names}
    assert named == REQUIRED


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            '[[artefact]]\nname="x1"\ntitle="t"\nversion="1"\npublisher="p"\nofficial_url="u"\nlicence="l"\ndir="../etc"\n'
            'mirror_repo="a/b"\nmirror_commit="'
            + "a" * 40
            + '"\n[[artefact.file]]\npath="f"\nsha256="'
            + "0" * 64
            + '"\nsize=1\nmirror_path="f"\n',
            "safe relative path",
        ),
        (
            '[[artefact]]\nname="x1"\ntitle="t"\nversion="1"\npublisher="p"\nofficial_url="u"\nlicence="l"\ndir="d"\n'
            'mirror_repo="a/b"\nmirror_commit="main"\n[[artefact.file]]\npath="f"\nsha256="'
            + "0" * 64
            + '"\nsize=1\nmirror_path="f"\n',
            "40-hex commit",
        ),
        (
            '[[artefact]]\nname="x1"\ntitle="t"\nversion="1"\npublisher="p"\nofficial_url="u"\nlicence="l"\ndir="d"\n'
            'mirror_repo="a/b"\nmirror_commit="' + "a" * 40 + '"\n[[artefact.file]]\npath="f"\nsha256="abc"'
            '\nsize=1\nmirror_path="f"\n',
            "64 hex",
        ),
    ],
)
def test_a_malformed_manifest_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_manifest(text)
