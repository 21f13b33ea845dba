"""MIME assembly that stays fast: stdlib ``email.mime`` parts and hand-written top-level headers.

The stdlib's modern ``EmailMessage`` parses and refolds every header through its header registry, which
cost ~10x more CPU per message than the SMTP transaction itself. Here the body parts are the classic
``email.mime`` classes (quoted-printable UTF-8 text, base64 files, RFC 2231 file names) and the
top-level headers are written directly: RFC 2047 encoded words for non-ASCII text, raw UTF-8 addresses
only when the message goes with SMTPUTF8 (RFC 6532), lines folded below 78 characters. Values reaching
here were already checked for CR/LF (``models.header_safe``).
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from email import encoders
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32

__all__ = ["address_header", "assemble", "encoded_words", "file_part", "flatten", "text_header"]

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
_POLICY = compat32.clone(linesep="\r\n")
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_MAX_LINE = 78


def encoded_words(text: str) -> list[str]:
    """RFC 2047 ``=?utf-8?b?...?=`` words of at most 68 characters (42 UTF-8 bytes, never a split character)."""
    words: list[bytes] = []
    chunk = bytearray()
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > 42:
            words.append(bytes(chunk))
            chunk.clear()
        chunk += encoded
    words.append(bytes(chunk))
    return [f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words]


def _fold(name: str, tokens: list[str]) -> str:
    """``Name: tok tok ...`` filled greedily into lines of at most 78 characters (a longer token stands alone)."""
    lines: list[str] = []
    line = f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > _MAX_LINE and line.strip() and not line.endswith(":"):
            lines.append(line)
            line = ""
        line += " " + token
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def text_header(name: str, value: str) -> bytes:
    """``Name: value`` folded; non-ASCII text as RFC 2047 encoded words (valid with or without SMTPUTF8)."""
    if value.isascii():
        if len(name) + 2 + len(value) <= _MAX_LINE:
            return f"{name}: {value}\r\n".encode("ascii")
        folded = Header(value, "us-ascii", maxlinelen=_MAX_LINE, header_name=name).encode(linesep="\r\n")
        return f"{name}: {folded}\r\n".encode("ascii")
    return _fold(name, encoded_words(value)).encode("ascii")


def _display_tokens(name: str) -> list[str]:
    if not name.isascii():
        return encoded_words(name)
    if _SPECIALS.search(name):
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return name.split()


def address_header(name: str, mailboxes: Sequence[tuple[str | None, str]], *, utf8: bool) -> bytes:
    """``To: Nume <a@b.ro>, c@d.ro``; addresses must be ASCII unless ``utf8`` (SMTPUTF8) is on."""
    tokens: list[str] = []
    for index, (display, addr) in enumerate(mailboxes):
        part = [*_display_tokens(display), f"<{addr}>"] if display else [addr]
        if index < len(mailboxes) - 1:
            part[-1] += ","
        tokens.extend(part)
    return _fold(name, tokens).encode("utf-8" if utf8 else "ascii")


def _text(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(body, _UTF8)  # quoted-printable UTF-8: diacritics stay readable, 7-bit clean
    return part


def file_part(
    data: bytes,
    content_type: str,
    filename: str,
    *,
    inline: bool = False,
    content_id: str | None = None,
    charset: str | None = None,
) -> MIMEBase:
    """A base64 file part; a non-ASCII file name goes as RFC 2231 ``filename*=utf-8''...``."""
    maintype, _, subtype = content_type.partition("/")
    part = MIMEBase(maintype, subtype)
    if charset is not None:
        part.set_param("charset", charset)
    part.set_payload(data)
    encoders.encode_base64(part)
    param: str | tuple[str, str, str] = filename if filename.isascii() else ("utf-8", "", filename)
    part.add_header("Content-Disposition", "inline" if inline else "attachment", filename=param)
    if content_id is not None:
        part["Content-ID"] = f"<{content_id}>"
    return part


def assemble(
    text: str | None, html: str | None, *, related: Sequence[Message] = (), attachments: Sequence[Message] = ()
) -> Message:
    """mixed( alternative( text, related( html, inline images ) ), attachments ) with empty layers left out."""
    html_part: Message | None = _text(html, "html") if html is not None else None
    if html_part is not None and related:
        html_part = MIMEMultipart("related", _subparts=[html_part, *related])
    text_part = _text(text, "plain") if text is not None else None
    if text_part is not None and html_part is not None:
        body: Message = MIMEMultipart("alternative", _subparts=[text_part, html_part])
    else:
        chosen = text_part or html_part
        assert chosen is not None, "a message needs a text or html body"
        body = chosen
    if attachments:
        return MIMEMultipart("mixed", _subparts=[body, *attachments])
    return body


def flatten(headers: Sequence[bytes], root: Message) -> bytes:
    """Top-level header lines, then the MIME root (its own MIME-Version / Content-Type lines first)."""
    buffer = io.BytesIO()
    buffer.write(b"".join(headers))
    BytesGenerator(buffer, mangle_from_=False, policy=_POLICY).flatten(root, unixfrom=False)
    return buffer.getvalue()
