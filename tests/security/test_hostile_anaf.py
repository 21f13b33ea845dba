"""Hostile ANAF answers keep the typed error contract (issue 16 item 5).

ANAF's XML answers and error files with comments, processing instructions, entity declarations or garbage
are either read correctly (comments and PIs are legal XML) or refused as ``AnafProtocolError``, never a bare
``ValueError``; the signed-ZIP reader refuses lying headers, bombs, broken and exotic archives as
``AnafProtocolError`` within a bounded amount of inflation and time. The answers come over real HTTP from a
canned loopback server, through the same transport stack as production (``anaf_core.build_client``).
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator

import pytest

from anaf_core import AnafProtocolError, AnafResponseError, AnafSettings, build_client, open_signed_zip
from anaf_core.signature import MAX_MEMBER_BYTES
from anaf_efactura.client import EfacturaClient, parse_error_file
from tests.fakes.anaf.signing import SigningIdentity
from tests.fakes.canned_http import Canned, CannedHttpServer

UPLOAD_NS = "mfp:anaf:dgti:spv:respUploadFisier:v1"
STARE_NS = "mfp:anaf:dgti:efactura:stareMesajFactura:v1"
ERRORS_NS = "mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"
XML = "application/xml"


@pytest.fixture
def answering() -> Iterator[object]:
    servers: list[CannedHttpServer] = []

    def client_for(answers: dict[str, Canned]) -> EfacturaClient:
        server = CannedHttpServer(answers).__enter__()
        servers.append(server)
        settings = AnafSettings(WORKERS_CORE_ENV="test", read_timeout_s=10.0)  # type: ignore[call-arg]
        return EfacturaClient(build_client(settings, base_url=server.url))

    yield client_for
    for server in servers:
        server.__exit__(None, None, None)


# --- hostile XML answers -----------------------------------------------------------------------------------
def test_upload_refusal_with_comments_and_pis_is_an_anaf_refusal(answering) -> None:  # type: ignore[no-untyped-def]
    body = (
        f'<?xml version="1.0"?><!-- before --><header xmlns="{UPLOAD_NS}" ExecutionStatus="1">'
        '<?anaf trace?><!-- inside --><Errors errorMessage="Fisierul transmis nu este valid"/></header>'
    )
    client = answering({"/upload": (200, XML, body.encode())})
    with pytest.raises(AnafResponseError) as info:
        client.upload(b"<Invoice/>", cif="4221306", standard="UBL", b2c=False, flags={})
    assert info.value.messages == ["Fisierul transmis nu este valid"]


@pytest.mark.parametrize(
    "body",
    [
        f'<!DOCTYPE header [<!ENTITY e "x">]><header xmlns="{UPLOAD_NS}" ExecutionStatus="1">&e;'
        '<Errors errorMessage="a"/></header>',
        f'<!DOCTYPE header SYSTEM "file:///etc/passwd"><header xmlns="{UPLOAD_NS}" ExecutionStatus="1"/>',
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<header>&b;</header>",
        "<header ExecutionStatus=",
        "<" + "a>" * 5000 + "</a>" * 5000,
        "",
    ],
    ids=["entity-node", "external-dtd", "billion-laughs", "truncated", "deep-nesting", "empty"],
)
def test_unreadable_upload_answers_are_protocol_errors(answering, body: str) -> None:  # type: ignore[no-untyped-def]
    client = answering({"/upload": (200, XML, body.encode())})
    with pytest.raises(AnafProtocolError):
        client.upload(b"<Invoice/>", cif="4221306", standard="UBL", b2c=False, flags={})


def test_stare_answer_with_comment_nodes_still_reads_the_state(answering) -> None:  # type: ignore[no-untyped-def]
    ok = f'<header xmlns="{STARE_NS}" stare="ok" id_descarcare="3001"><!-- c --><?pi?></header>'
    refused = f'<header xmlns="{STARE_NS}"><!-- c --><?pi?><Errors errorMessage="Nu exista factura cu id_incarcare=5001"/></header>'
    assert answering({"/stareMesaj": (200, XML, ok.encode())}).stare(5001).download_id == 3001
    with pytest.raises(AnafResponseError):
        answering({"/stareMesaj": (200, XML, refused.encode())}).stare(5001)


def test_error_files_with_comments_and_entities(answering) -> None:  # type: ignore[no-untyped-def]
    fine = (
        f'<?xml version="1.0"?><!-- c --><header xmlns="{ERRORS_NS}" Index_incarcare="1"><?pi?>'
        '<!-- c --><Error errorMessage="E: [BR-RO-010] numarul facturii"/></header>'
    ).encode()
    assert parse_error_file(fine) == ["E: [BR-RO-010] numarul facturii"]
    hostile = (
        f'<!DOCTYPE header [<!ENTITY x SYSTEM "file:///etc/passwd">]><header xmlns="{ERRORS_NS}">&x;'
        '<Error errorMessage="a"/></header>'
    ).encode()
    with pytest.raises(AnafProtocolError):
        parse_error_file(hostile)
    with pytest.raises(AnafProtocolError):
        parse_error_file(b"\x00\xff not xml")


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"mesaje": 7}', b'{"mesaje": ["x"]}', b"\xff"],
    ids=["deep-json", "not-a-list", "not-messages", "not-utf8"],
)
def test_hostile_message_lists_are_protocol_errors(answering, body: bytes) -> None:  # type: ignore[no-untyped-def]
    client = answering({"/listaMesajeFactura": (200, "application/json", body)})
    with pytest.raises(AnafProtocolError):
        client.messages("4221306", 5)


# --- hostile archives --------------------------------------------------------------------------------------
def _signed(identity: SigningIdentity, size: int = 0) -> bytes:
    return identity.signed_zip(b"<Invoice>" + b" " * size + b"</Invoice>", "5000000001.xml")


def _bomb(inflated: int, name: str = "5000000001.xml") -> bytes:
    """A deflated member of ``inflated`` zero bytes (streamed, never held in memory) plus a signature file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(inflated >> 20):
                member.write(chunk)
        archive.writestr(f"semnatura_{name}", b"<Signature/>")
    return buf.getvalue()


def _lie_about_size(archive: bytes, name: bytes, declared: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local and central headers (zip64 extras included)."""
    data = bytearray(archive)
    for signature, size_at, name_len_at, header_len in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            name_len, extra_len = struct.unpack_from("<HH", data, at + name_len_at)  # extra length follows
            if bytes(data[at + header_len : at + header_len + name_len]) != name:
                continue
            if struct.unpack_from("<I", data, at + size_at)[0] == 0xFFFFFFFF:  # zip64: the size is in the extra
                extra = at + header_len + name_len
                end = extra + extra_len
                while extra < end:
                    tag, length = struct.unpack_from("<HH", data, extra)
                    if tag == 0x0001:
                        struct.pack_into("<Q", data, extra + 4, declared)
                    extra += 4 + length
            else:
                struct.pack_into("<I", data, at + size_at, declared)
    return bytes(data)


def _refused_in(archive: bytes) -> float:
    began = time.perf_counter()
    with pytest.raises(AnafProtocolError):
        open_signed_zip(archive)
    return time.perf_counter() - began


def test_zip_bomb_is_refused_at_the_cap_in_bounded_time() -> None:
    bomb = _bomb(512 << 20)  # 512 MB of zeros in about half a megabyte
    assert len(bomb) < 1 << 20
    honest = _refused_in(bomb)  # declares its size: refused before inflating anything
    lying_small = _refused_in(_lie_about_size(bomb, b"5000000001.xml", 1024))
    lying_at_cap = _refused_in(_lie_about_size(bomb, b"5000000001.xml", MAX_MEMBER_BYTES))
    print(
        f"zip bomb (512 MB inflated) refused in: declared {honest * 1000:.1f} ms, "
        f"lying 1 KB {lying_small * 1000:.1f} ms, lying {MAX_MEMBER_BYTES >> 20} MB {lying_at_cap * 1000:.1f} ms"
    )
    assert max(honest, lying_small, lying_at_cap) < 10.0  # generous: a 2-core machine under load


def test_the_bounded_stream_stops_whatever_the_header_says() -> None:
    archive = _lie_about_size(_bomb(64 << 20), b"5000000001.xml", 100)
    began = time.perf_counter()
    with pytest.raises(AnafProtocolError):
        open_signed_zip(archive, max_member_bytes=4096)
    assert time.perf_counter() - began < 10.0
    # an honest member one byte over the cap never inflates past it
    big = _signed(SigningIdentity.generate("ANAF"), size=8192)
    with pytest.raises(AnafProtocolError, match="8"):
        open_signed_zip(big, max_member_bytes=8192)


def _patched(archive: bytes, *, method: int | None = None, flags: int | None = None) -> bytes:
    data = bytearray(archive)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            if method is not None:
                struct.pack_into("<H", data, at + method_at, method)
            if flags is not None:
                struct.pack_into("<H", data, at + flag_at, flags)
    return bytes(data)


def _many_entries() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for i in range(5000):
            archive.writestr(f"x{i}.xml", b"")
    return buf.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        lambda good: b"PK not a zip",
        lambda good: good[: len(good) // 2],
        lambda good: good[:-10],
        lambda good: _patched(good, method=99),
        lambda good: _patched(good, flags=1),
        lambda good: good.replace(b"</Invoice>", b"</Invoicf>") if b"</Invoice>" in good else good[:30] + b"\xff" * 50,
        lambda good: _many_entries(),
        lambda good: zlib.compress(good),
    ],
    ids=["garbage", "half", "no-end-record", "unknown-method", "encrypted", "corrupt-data", "many-entries", "zlib"],
)
def test_broken_archives_are_protocol_errors(make) -> None:  # type: ignore[no-untyped-def]
    good = _signed(SigningIdentity.generate("ANAF"))
    with pytest.raises(AnafProtocolError):
        open_signed_zip(make(good))


def test_hostile_signature_files_are_refused_or_unverified() -> None:
    identity = SigningIdentity.generate("ANAF")
    document = b"<Invoice/>"

    def archive(signature: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("1.xml", document)
            z.writestr("semnatura_1.xml", signature)
        return buf.getvalue()

    with pytest.raises(AnafProtocolError):
        open_signed_zip(archive(b'<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><s>&x;</s>'))
    with pytest.raises(AnafProtocolError):
        open_signed_zip(archive(b"<not-closed"))
    signature = identity.detached_signature(document, "1.xml")
    garbled = signature.replace(b"<ds:DigestValue>", b"<ds:DigestValue>!!not base64!!")
    garbled = garbled.replace(b"<ds:X509Certificate>", b"<ds:X509Certificate>%%")
    result = open_signed_zip(archive(garbled))
    assert not result.verified and not result.trusted


def test_descarcare_of_a_bomb_is_a_protocol_error(answering) -> None:  # type: ignore[no-untyped-def]
    client = answering(
        {"/descarcare": (200, "application/zip", _lie_about_size(_bomb(64 << 20), b"5000000001.xml", 10))}
    )
    with pytest.raises(AnafProtocolError):
        open_signed_zip(client.download(3001))
