"""ANAF's signed ZIPs: split the document from ``semnatura_*.xml`` and verify the detached XMLDSig.

The signature's ``ds:DigestValue`` is the base64 SHA-256 of the raw document bytes (ANAF.md §2.2); the
SignedInfo is verified with signxml against the certificate in ``ds:X509Certificate``. The answer is
*trusted* only when that certificate is one of the pinned ANAF signing certificates.

The archive is untrusted input: its size and entry count are capped, each member is read through a bounded
stream that stops at ``max_member_bytes`` whatever the headers declare (a lying header or a ZIP bomb costs at
most that much inflation), the signature file is parsed without DTDs or entities, and every failure to read
any of it is an ``AnafProtocolError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.exceptions import SignXMLException
from signxml.verifier import XMLVerifier

from anaf_core.errors import AnafProtocolError
from shared.xml import safe_parser

__all__ = ["MAX_MEMBER_BYTES", "SignedZip", "load_pinned_certificates", "open_signed_zip"]

DS = "http://www.w3.org/2000/09/xmldsig#"
_DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashlib.sha384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashlib.sha512,
}
#: an e-Factura document is at most 10 MB (ANAF's upload limit); its signature a few KB
MAX_MEMBER_BYTES = 16 * 1024 * 1024
_MAX_ARCHIVE = 64 * 1024 * 1024
_MAX_ENTRIES = 16
_CHUNK = 64 * 1024
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SAFE_PARSER = safe_parser()


@dataclass(frozen=True)
class SignedZip:
    """The two members of an ANAF ZIP and the verdicts on its signature."""

    document_name: str
    document: bytes
    signature_name: str
    signature: bytes
    digest_ok: bool
    signature_ok: bool
    trusted: bool
    signer_subject: str | None

    @property
    def verified(self) -> bool:
        return self.digest_ok and self.signature_ok


def load_pinned_certificates(pem_data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (the ANAF signing certificates a deployment trusts)."""
    return x509.load_pem_x509_certificates(pem_data) if pem_data.strip() else []


def _refuse(why: str) -> AnafProtocolError:
    return AnafProtocolError(f"descarcare: {why}", operation="descarcare")


def _bounded_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, inflated at most ``cap`` (+1 to notice more); the declared size is not trusted."""
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(min(_CHUNK, cap + 1 - len(out))):
            out += chunk
            if len(out) > cap:
                raise _refuse(f"member {info.filename!r} inflates past {cap} bytes")
    return bytes(out)


def _members(data: bytes, cap: int) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    if len(data) > _MAX_ARCHIVE:
        raise _refuse(f"archive of {len(data)} bytes is larger than {_MAX_ARCHIVE}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > _MAX_ENTRIES:
            raise _refuse(f"{len(infos)} entries; an ANAF archive has two")
        sigs = [i for i in infos if i.filename.rsplit("/", 1)[-1].startswith("semnatura_")]
        docs = [i for i in infos if i not in sigs and i.filename.lower().endswith(".xml")]
        if len(sigs) != 1 or len(docs) != 1:
            raise _refuse(f"expected a document and semnatura_*.xml, got {[i.filename for i in infos]}")
        for info in (sigs[0], docs[0]):
            if info.file_size > cap:
                raise _refuse(f"member {info.filename!r} declares {info.file_size} bytes; at most {cap}")
        return (
            (docs[0].filename, _bounded_read(archive, docs[0], cap)),
            (sigs[0].filename, _bounded_read(archive, sigs[0], cap)),
        )
    except AnafProtocolError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        OverflowError,
        MemoryError,
    ) as exc:
        raise _refuse(f"unreadable ZIP archive: {type(exc).__name__}: {exc}") from exc


def _signature_element(signature: bytes) -> etree._Element:
    if _DECLARATION.search(signature):
        raise _refuse("the signature file declares a DTD or entities")
    try:
        root = etree.fromstring(signature, parser=_SAFE_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _refuse(f"unreadable signature file: {exc}") from exc
    sig_el = root if root.tag == f"{{{DS}}}Signature" else root.find(f".//{{{DS}}}Signature")
    if sig_el is None:
        raise _refuse("no ds:Signature in the signature file")
    return sig_el


def _digest_ok(sig_el: etree._Element, document: bytes) -> bool:
    method = sig_el.find(f".//{{{DS}}}Reference/{{{DS}}}DigestMethod")
    value = sig_el.find(f".//{{{DS}}}Reference/{{{DS}}}DigestValue")
    algo = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    if algo is None or value is None or not value.text:
        return False
    try:
        expected = base64.b64decode(value.text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return expected == algo(document).digest()


def _certificate(sig_el: etree._Element) -> x509.Certificate | None:
    cert_el = sig_el.find(f".//{{{DS}}}X509Certificate")
    if cert_el is None or not cert_el.text:
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(cert_el.text.split()), validate=True))
    except (binascii.Error, ValueError):
        return None


def open_signed_zip(
    data: bytes, pinned: list[x509.Certificate] | None = None, *, max_member_bytes: int = MAX_MEMBER_BYTES
) -> SignedZip:
    """Split and verify an ANAF ZIP; raises ``AnafProtocolError`` when it is not one (or not a sane one)."""
    (doc_name, document), (sig_name, signature) = _members(data, max_member_bytes)
    sig_el = _signature_element(signature)
    digest_ok = _digest_ok(sig_el, document)
    cert = _certificate(sig_el)
    signature_ok = False
    if cert is not None and digest_ok:
        try:
            XMLVerifier().verify(
                etree.tostring(sig_el),
                x509_cert=cert.public_bytes(Encoding.PEM).decode(),
                uri_resolver=lambda _uri: document,
                expect_references=1,
            )
            signature_ok = True
        except (SignXMLException, etree.LxmlError, ValueError):
            signature_ok = False
    pinned_der = {c.public_bytes(Encoding.DER) for c in (pinned or [])}
    trusted = signature_ok and cert is not None and cert.public_bytes(Encoding.DER) in pinned_der
    return SignedZip(
        document_name=doc_name,
        document=document,
        signature_name=sig_name,
        signature=signature,
        digest_ok=digest_ok,
        signature_ok=signature_ok,
        trusted=trusted,
        signer_subject=cert.subject.rfc4514_string() if cert is not None else None,
    )
