"""ANAF signed ZIPs: digest over the raw document bytes, SignedInfo verified with signxml, pinning."""

from __future__ import annotations

import io
import zipfile

import pytest

from anaf_core import AnafProtocolError, open_signed_zip
from tests.fakes.anaf import SigningIdentity

DOC = b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:x">  <ID>F-1</ID>\n</Invoice>\n'


@pytest.fixture(scope="module")
def identity() -> SigningIdentity:
    return SigningIdentity.generate()


def _rezip(archive: bytes, replace: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, replace.get(name, src.read(name)))
    return out.getvalue()


def test_verified_and_trusted(identity: SigningIdentity) -> None:
    result = open_signed_zip(identity.signed_zip(DOC, "5000000001.xml"), [identity.certificate])
    assert result.document == DOC and result.document_name == "5000000001.xml"
    assert result.signature_name == "semnatura_5000000001.xml"
    assert result.digest_ok and result.signature_ok and result.trusted and result.verified
    assert "ANAF" in (result.signer_subject or "")


def test_not_pinned_is_verified_but_untrusted(identity: SigningIdentity) -> None:
    other = SigningIdentity.generate("SOMEONE ELSE")
    result = open_signed_zip(identity.signed_zip(DOC, "1.xml"), [other.certificate])
    assert result.verified and not result.trusted


def test_tampered_document_fails_digest(identity: SigningIdentity) -> None:
    archive = _rezip(identity.signed_zip(DOC, "1.xml"), {"1.xml": DOC.replace(b"F-1", b"F-2")})
    result = open_signed_zip(archive, [identity.certificate])
    assert not result.digest_ok and not result.verified and not result.trusted


def test_forged_signature_value_fails(identity: SigningIdentity) -> None:
    forger = SigningIdentity.generate()
    # a signature made by another key but carrying the pinned certificate
    sig = forger.detached_signature(DOC, "1.xml").replace(
        forger.detached_signature(DOC, "1.xml").split(b"<ds:X509Certificate>")[1].split(b"</")[0],
        identity.detached_signature(DOC, "1.xml").split(b"<ds:X509Certificate>")[1].split(b"</")[0],
    )
    archive = _rezip(identity.signed_zip(DOC, "1.xml"), {"semnatura_1.xml": sig})
    result = open_signed_zip(archive, [identity.certificate])
    assert result.digest_ok and not result.signature_ok and not result.trusted


def test_not_an_anaf_zip() -> None:
    with pytest.raises(AnafProtocolError):
        open_signed_zip(b"PK not really")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.xml", DOC)
    with pytest.raises(AnafProtocolError):
        open_signed_zip(buf.getvalue())
