"""Building messages: MIME structure, diacritics, attachments, templates, and every bad input refused."""

from __future__ import annotations

import base64
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from email_send.config import EmailSendSettings
from email_send.message import MessageBuilder, message_id_for
from email_send.models import EmailRequest
from email_send.templates import TemplateRenderer, format_ron
from shared.artifacts import FilesystemArtifactStore
from shared.errors import PayloadError


def parse(data: bytes) -> EmailMessage:
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def body(msg: EmailMessage, kind: str) -> str:
    part = msg.get_body((kind,))
    assert part is not None, f"no {kind} body"
    return str(part.get_content()).replace("\r\n", "\n")


def build(builder: MessageBuilder, key: str = "k-1", **payload: Any):  # type: ignore[no-untyped-def]
    return builder.build(EmailRequest.model_validate(payload), idempotency_key=key)


def test_diacritics_in_every_header_and_body(builder: MessageBuilder) -> None:
    out = build(
        builder,
        to=[{"email": "ion.popescu@exemplu.ro", "name": "Ion Ștefănescu"}],
        cc=["contabil@exemplu.ro"],
        reply_to=[{"email": "suport@firma.ro", "name": "Suport Țară"}],
        subject="Factură emisă — ședința de îndrumare, țară",
        text="Bună ziua,\nVă mulțumim! ĂÂÎȘȚ ăâîșț",
        html="<p>Bună ziua, <b>mulțumim</b>!</p>",
    )
    raw = out.data.decode("ascii")  # 7-bit clean: any relay takes it
    assert "\r\n" in raw
    msg = parse(out.data)
    assert msg["Subject"] == "Factură emisă — ședința de îndrumare, țară"
    assert msg["To"].addresses[0].display_name == "Ion Ștefănescu"
    assert msg["From"].addresses[0].display_name == "Firmă Test SRL"
    assert msg["Reply-To"].addresses[0].display_name == "Suport Țară"
    assert msg.get_content_type() == "multipart/alternative"
    assert body(msg, "plain") == "Bună ziua,\nVă mulțumim! ĂÂÎȘȚ ăâîșț"
    assert "<b>mulțumim</b>" in body(msg, "html")
    # the IDN sender domain goes as punycode on the envelope and in the Message-ID
    idn = "firmă-test.ro".encode("idna").decode()
    assert out.envelope.sender == f"facturi@{idn}"
    assert msg["Message-ID"] == message_id_for("k-1", idn)
    assert out.envelope.recipients == ("ion.popescu@exemplu.ro", "contabil@exemplu.ro")


def test_bcc_is_on_the_envelope_only(builder: MessageBuilder) -> None:
    out = build(builder, to=["a@exemplu.ro"], bcc=["ascuns@exemplu.ro", "A@exemplu.ro"], subject="s", text="t")
    assert b"ascuns" not in out.data
    assert out.envelope.recipients == ("a@exemplu.ro", "ascuns@exemplu.ro")  # de-duplicated, case-insensitive


def test_message_id_is_stable_per_idempotency_key(builder: MessageBuilder) -> None:
    first = build(builder, key="same", to=["a@exemplu.ro"], subject="s", text="t")
    again = build(builder, key="same", to=["a@exemplu.ro"], subject="s", text="t")
    other = build(builder, key="other", to=["a@exemplu.ro"], subject="s", text="t")
    assert first.message_id == again.message_id != other.message_id


def test_attachments_inline_base64_and_by_artifact(
    builder: MessageBuilder, artifact_store: FilesystemArtifactStore
) -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    ref = artifact_store.put(pdf, name="factura.pdf", content_type="application/pdf")
    logo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    out = build(
        builder,
        to=["a@exemplu.ro"],
        subject="Factura",
        text="vezi atașamentul",
        html='<p><img src="cid:logo"> factura</p>',
        attachments=[
            {"filename": "Factură FCT-0042.pdf", "artifact_key": ref.key},
            {
                "filename": "situație.csv",
                "content_base64": base64.b64encode("a;ș\n".encode()).decode(),
                "content_type": "text/csv",
            },
            {
                "filename": "logo.png",
                "content_base64": base64.b64encode(logo).decode(),
                "inline": True,
                "content_id": "logo",
            },
        ],
    )
    msg = parse(out.data)
    assert msg.get_content_type() == "multipart/mixed"
    files = {part.get_filename(): part for part in msg.iter_attachments()}
    assert set(files) == {"Factură FCT-0042.pdf", "situație.csv"}
    assert files["Factură FCT-0042.pdf"].get_content_type() == "application/pdf"
    assert files["Factură FCT-0042.pdf"].get_content() == pdf
    assert files["situație.csv"].get_payload(decode=True) == "a;ș\n".encode()
    assert files["situație.csv"].get_content_charset() == "utf-8"
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert related, "inline image must sit with the html body"
    image = next(p for p in related[0].iter_parts() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == logo


def test_template_renders_autoescaped_html_and_plain_text(builder: MessageBuilder) -> None:
    out = build(
        builder,
        to=["client@exemplu.ro"],
        template="invoice_issued",
        data={
            "client_name": "Ana <script>alert(1)</script>",
            "invoice_number": "FCT-0042",
            "company": "Țară & Fiu SRL",
            "amount": 1234567.5,
            "due_date": "31.12.2026",
        },
    )
    msg = parse(out.data)
    assert msg["Subject"] == "Factura FCT-0042 de la Țară & Fiu SRL"
    html = body(msg, "html")
    text = body(msg, "plain")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Țară &amp; Fiu SRL" in html
    assert "Ana <script>alert(1)</script>" in text  # plain text is not HTML: no escaping there
    assert "1.234.567,50 lei" in text and "1.234.567,50 lei" in html


def test_template_subject_override_and_optional_parts(builder: MessageBuilder) -> None:
    out = build(
        builder,
        to=["a@exemplu.ro"],
        template="notification",
        subject="Altă temă",
        data={"title": "Titlu", "message": "Mesaj", "action_url": "https://app.firma.ro/x?a=1&b=2"},
    )
    msg = parse(out.data)
    assert msg["Subject"] == "Altă temă"
    assert 'href="https://app.firma.ro/x?a=1&amp;b=2"' in body(msg, "html")


def test_ron_format() -> None:
    assert format_ron(0) == "0,00 lei"
    assert format_ron("1000") == "1.000,00 lei"
    assert format_ron(-1234.567) == "-1.234,57 lei"


@pytest.mark.parametrize(
    ("payload", "loc_fragment"),
    [
        ({"to": ["a@exemplu.ro"], "subject": "Salut\r\nBcc: victima@evil.ro", "text": "x"}, "subject"),
        ({"to": ["a@exemplu.ro"], "subject": "Salut\nX-Injected: 1", "text": "x"}, "subject"),
        ({"to": [{"email": "a@exemplu.ro", "name": "Ion\r\nBcc: x@evil.ro"}], "subject": "s", "text": "x"}, "name"),
        ({"to": ["a@exemplu.ro\r\nRCPT TO:<x@evil.ro>"], "subject": "s", "text": "x"}, "email"),
        ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "from_name": "Firma\nBcc: x@evil.ro"}, "from_name"),
        ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "headers": {"X-Ok": "a\r\nBcc: x@evil.ro"}}, "headers"),
        ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "headers": {"Bcc": "x@evil.ro"}}, "headers"),
        (
            {
                "to": ["a@exemplu.ro"],
                "subject": "s",
                "text": "x",
                "attachments": [{"filename": "a\r\n.pdf", "content_base64": "AA=="}],
            },
            "filename",
        ),
        (
            {
                "to": ["a@exemplu.ro"],
                "subject": "s",
                "text": "x",
                "attachments": [{"filename": "../../etc/passwd", "content_base64": "AA=="}],
            },
            "filename",
        ),
        ({"to": ["nu-e-adresa"], "subject": "s", "text": "x"}, "email"),
        ({"to": ["a@@exemplu.ro"], "subject": "s", "text": "x"}, "email"),
        ({"to": ["a@exemplu"], "subject": "s", "text": "x"}, "email"),
        ({"subject": "s", "text": "x"}, ""),
        ({"to": ["a@exemplu.ro"], "text": "x"}, ""),
        ({"to": ["a@exemplu.ro"], "subject": "s"}, ""),
        ({"to": ["a@exemplu.ro"], "template": "notification", "text": "x"}, ""),
        ({"to": ["a@exemplu.ro"], "template": "../secret"}, "template"),
        ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "unknown_field": 1}, "unknown_field"),
        ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "attachments": [{"filename": "a.pdf"}]}, "attachments"),
        (
            {
                "to": ["a@exemplu.ro"],
                "subject": "s",
                "text": "x",
                "attachments": [{"filename": "a.pdf", "content_base64": "AA==", "artifact_key": "x"}],
            },
            "attachments",
        ),
        ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "idempotency_key": "has space"}, "idempotency_key"),
    ],
)
def test_bad_requests_are_refused_with_a_located_error(payload: dict[str, Any], loc_fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        EmailRequest.model_validate(payload)
    structured = PayloadError.from_validation_error(info.value)
    assert structured.errors
    assert any(loc_fragment in ".".join(e["loc"]) for e in structured.errors), structured.errors
    assert all("input" not in e for e in structured.errors)


def test_size_limits(email_settings: EmailSendSettings, artifact_store: FilesystemArtifactStore) -> None:
    settings = email_settings.model_copy(
        update={
            "max_inline_attachment_bytes": 1000,
            "max_attachment_bytes": 5000,
            "max_message_bytes": 20_000,
            "max_recipients": 3,
        }
    )
    small = MessageBuilder(settings, TemplateRenderer(), lambda: artifact_store)
    with pytest.raises(PayloadError) as inline:
        build(
            small,
            to=["a@exemplu.ro"],
            subject="s",
            text="x",
            attachments=[{"filename": "a.bin", "content_base64": base64.b64encode(b"x" * 1001).decode()}],
        )
    assert inline.value.errors[0]["loc"] == ["attachments", 0, "content_base64"]
    assert inline.value.errors[0]["type"] == "too_large"

    big = artifact_store.put(b"y" * 5001, name="big.bin", content_type="application/octet-stream")
    with pytest.raises(PayloadError) as by_key:
        build(
            small,
            to=["a@exemplu.ro"],
            subject="s",
            text="x",
            attachments=[{"filename": "big.bin", "artifact_key": big.key}],
        )
    assert by_key.value.errors[0]["loc"] == ["attachments", 0, "artifact_key"]

    parts = [
        artifact_store.put(b"z" * 4000, name=f"p{i}.bin", content_type="application/octet-stream") for i in range(4)
    ]
    with pytest.raises(PayloadError) as total:
        build(
            small,
            to=["a@exemplu.ro"],
            subject="s",
            text="x",
            attachments=[{"filename": f"p{i}.bin", "artifact_key": ref.key} for i, ref in enumerate(parts)],
        )
    assert "limit 20000" in total.value.errors[0]["msg"]

    with pytest.raises(PayloadError) as many:
        build(small, to=["a@exemplu.ro", "b@exemplu.ro"], cc=["c@exemplu.ro", "d@exemplu.ro"], subject="s", text="x")
    assert many.value.errors[0]["type"] == "too_many"


def test_bad_base64_and_missing_artifact(builder: MessageBuilder) -> None:
    with pytest.raises(PayloadError) as bad:
        build(
            builder,
            to=["a@exemplu.ro"],
            subject="s",
            text="x",
            attachments=[{"filename": "a.bin", "content_base64": "nu este base64!"}],
        )
    assert bad.value.errors[0]["msg"] == "not valid base64"
    with pytest.raises(PayloadError):
        build(
            builder,
            to=["a@exemplu.ro"],
            subject="s",
            text="x",
            attachments=[{"filename": "a.bin", "artifact_key": "../../etc/passwd"}],
        )


def test_template_errors_are_payload_errors(
    builder: MessageBuilder, tmp_path: Path, email_settings: EmailSendSettings
) -> None:
    with pytest.raises(PayloadError) as unknown:
        build(builder, to=["a@exemplu.ro"], template="nu_exista")
    assert unknown.value.errors[0]["type"] == "unknown_template"
    with pytest.raises(PayloadError) as missing:
        build(builder, to=["a@exemplu.ro"], template="invoice_issued", data={"client_name": "Ana"})
    assert missing.value.errors[0]["loc"] == ["data"]
    with pytest.raises(PayloadError) as js_link:
        build(
            builder,
            to=["a@exemplu.ro"],
            template="notification",
            data={"title": "t", "message": "m", "action_url": "javascript:alert(1)"},
        )
    assert "http(s)" in js_link.value.errors[0]["msg"]
    with pytest.raises(PayloadError) as injected:
        build(
            builder,
            to=["a@exemplu.ro"],
            template="notification",
            data={"title": "Salut\r\nBcc: x@evil.ro", "message": "m"},
        )
    assert injected.value.errors[0]["type"] == "header_injection"


def test_extra_template_directory_wins(
    tmp_path: Path, email_settings: EmailSendSettings, artifact_store: FilesystemArtifactStore
) -> None:
    (tmp_path / "notification").mkdir()
    (tmp_path / "notification" / "subject.txt").write_text("Local: {{ title }}\n", encoding="utf-8")
    (tmp_path / "notification" / "body.txt").write_text("Corp {{ title }}", encoding="utf-8")
    renderer = TemplateRenderer(tmp_path)
    assert "notification" in renderer.names() and "invoice_issued" in renderer.names()
    out = MessageBuilder(email_settings, renderer, lambda: artifact_store).build(
        EmailRequest.model_validate({"to": ["a@exemplu.ro"], "template": "notification", "data": {"title": "ț"}}),
        idempotency_key="k",
    )
    msg = parse(out.data)
    assert msg["Subject"] == "Local: ț"
    assert msg.get_content_type() == "text/plain"


def test_non_ascii_local_part_needs_smtputf8(builder: MessageBuilder) -> None:
    out = build(builder, to=["ștefan@exemplu.ro"], subject="s", text="x")
    assert out.envelope.smtputf8
    assert out.envelope.recipients == ("ștefan@exemplu.ro",)
    msg = message_from_string(out.data.decode("utf-8"), policy=policy.default)  # SMTPUTF8: raw UTF-8 headers
    assert msg["To"].addresses[0].username == "ștefan"


def test_long_headers_fold_and_round_trip_without_defects(builder: MessageBuilder) -> None:
    people = [{"email": f"persoana{i}@exemplu.ro", "name": f"Ștefan-Andrei Popescu-Ionescu {i}"} for i in range(30)]
    tricky = [
        {"email": "ana@exemplu.ro", "name": 'Popescu, Ana "Anca"'},
        {"email": "x@exemplu.ro", "name": "Dl. Țepeș (CFO)"},
    ]
    subject = "Situația facturilor restante pentru trimestrul al treilea — " * 6
    out = build(builder, to=people, cc=tricky, subject=subject.strip(), text="ț" * 5000)
    header_block, _, _ = out.data.partition(b"\r\n\r\n")
    assert all(len(line) <= 78 for line in header_block.split(b"\r\n")), "headers must be folded"
    assert all(len(line) <= 998 for line in out.data.split(b"\r\n"))
    msg = parse(out.data)
    assert not msg.defects and not any(part.defects for part in msg.walk())
    assert [a.display_name for a in msg["To"].addresses] == [p["name"] for p in people]
    assert [(a.display_name, a.addr_spec) for a in msg["Cc"].addresses] == [(t["name"], t["email"]) for t in tricky]
    assert msg["Subject"] == subject.strip()
    assert body(msg, "plain") == "ț" * 5000
