"""ANAF's signed ZIPs: split the document from ``semnatura_*.xml`` and verify the detached XMLDSig.

The signature's ``ds:DigestValue`` is the base64 SHA-256 of the raw document bytes (ANAF.md §2.2); the
SignedInfo is verified with signxml against the certificate in ``ds:X509Certificate``. The answer is
*trusted* only when that certificate is one of the pinned ANAF signing certificates.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import XMLVerifier

from anaf_core.errors import AnafProtocolError
from shared.xml import safe_parser

__all__ = ["SignedZip", "load_pinned_certificates", "open_signed_zip"]

DS = "http://www.w3.org/2000/09/xmldsig#"
_DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashlib.sha384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashlib.sha512,
}
_MAX_MEMBER = 64 * 1024 * 1024
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


def _members(data: bytes) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise AnafProtocolError(f"descarcare: not a ZIP archive: {exc}", operation="descarcare") from exc
    infos = [i for i in archive.infolist() if not i.is_dir()]
    sigs = [i for i in infos if i.filename.rsplit("/", 1)[-1].startswith("semnatura_")]
    docs = [i for i in infos if i not in sigs and i.filename.lower().endswith(".xml")]
    if len(sigs) != 1 or len(docs) != 1:
        names = [i.filename for i in infos]
        raise AnafProtocolError(
            f"descarcare: expected a document and semnatura_*.xml, got {names}", operation="descarcare"
        )
    for info in (sigs[0], docs[0]):
        if info.file_size > _MAX_MEMBER:
            raise AnafProtocolError(f"descarcare: member {info.filename} too large", operation="descarcare")
    return (docs[0].filename, archive.read(docs[0])), (sigs[0].filename, archive.read(sigs[0]))


def open_signed_zip(data: bytes, pinned: list[x509.Certificate] | None = None) -> SignedZip:
    """Split and verify an ANAF ZIP; raises ``AnafProtocolError`` when it is not one."""
    (doc_name, document), (sig_name, signature) = _members(data)
    try:
        sig_root = etree.fromstring(signature, parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise AnafProtocolError(
            f"descarcare: unreadable signature file: {exc}", operation="descarcare"
        ) from exc
    sig_el = sig_root if sig_root.tag == f"{{{DS}}}Signature" else sig_root.find(f".//{{{DS}}}Signature")
    if sig_el is None:
        raise AnafProtocolError("descarcare: no ds:Signature in the signature file", operation="descarcare")
    method = sig_el.find(f".//{{{DS}}}Reference/{{{DS}}}DigestMethod")
    value = sig_el.find(f".//{{{DS}}}Reference/{{{DS}}}DigestValue")
    algo = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    digest_ok = bool(
        algo is not None
        and value is not None
        and value.text
        and base64.b64decode(value.text.strip()) == algo(document).digest()
    )
    cert_el = sig_el.find(f".//{{{DS}}}X509Certificate")
    cert: x509.Certificate | None = None
    if cert_el is not None and cert_el.text:
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode("".join(cert_el.text.split())))
        except ValueError:
            cert = None
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
        except (InvalidSignature, InvalidInput):
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
