"""The fake's signing identity and ANAF-style signed ZIPs (document + detached ``semnatura_*.xml``)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass(frozen=True)
class SigningIdentity:
    """A test certificate standing in for the MF/ANAF signing certificate."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def generate(cls, common_name: str = "FAKE MINISTERUL FINANTELOR - ANAF SPV") -> SigningIdentity:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fake ANAF (tests)"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def detached_signature(self, document: bytes, uri: str) -> bytes:
        """``ds:Signature`` whose one Reference digests the raw ``document`` (SHA-256, no transforms)."""
        nsmap = {"ds": DS}
        sig = etree.Element(f"{{{DS}}}Signature", nsmap=nsmap)
        info = etree.SubElement(sig, f"{{{DS}}}SignedInfo")
        etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(info, f"{{{DS}}}SignatureMethod", Algorithm=RSA_SHA256)
        ref = etree.SubElement(info, f"{{{DS}}}Reference", URI=uri)
        etree.SubElement(ref, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
        etree.SubElement(ref, f"{{{DS}}}DigestValue").text = base64.b64encode(
            hashlib.sha256(document).digest()
        ).decode()
        signed_info = etree.tostring(info, method="c14n", exclusive=True)
        value = self.key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
        etree.SubElement(sig, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
        key_info = etree.SubElement(sig, f"{{{DS}}}KeyInfo")
        x509_data = etree.SubElement(key_info, f"{{{DS}}}X509Data")
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        etree.SubElement(x509_data, f"{{{DS}}}X509Certificate").text = base64.b64encode(der).decode()
        return etree.tostring(sig, xml_declaration=True, encoding="UTF-8")

    def signed_zip(self, document: bytes, document_name: str) -> bytes:
        """The ``descarcare`` archive: the document and ``semnatura_<name>`` signing it."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(document_name, document)
            archive.writestr(f"semnatura_{document_name}", self.detached_signature(document, document_name))
        return buf.getvalue()
