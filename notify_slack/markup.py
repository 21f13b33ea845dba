"""Turning a request into what Slack gets: user text escaped, explicit mentions only, limits enforced.

Slack parses ``<...>`` in message text: ``<!here>``, ``<!channel>``, ``<!everyone>``, ``<!group>`` and
``<!subteam^ID>`` notify whole groups, and Slack may accept other spellings of them (``<! channel>``,
``<!channel|label>``). Escaping ``&``, ``<`` and ``>`` (as Slack documents) makes user text inert; ``@channel``
typed as plain words is not linked because we post with ``link_names=false`` and ``parse=none``.

In ``raw`` mode the caller's markup goes through, so every ``<!...>`` special sequence counts as a broadcast and
is refused, whatever its spelling and whatever ``mention`` says; the one exception is Slack's date formatting
(``<!date^1700000000^{date}|...>``), which notifies nobody. The request's ``mention`` field is the one way to
notify a group: it adds the canonical ``<!here>`` / ``<!channel>`` / ``<!everyone>`` itself.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from notify_slack.blocks import MAX_TEXT, block_errors, broadcast_elements, text_objects
from notify_slack.models import SlackRequest
from shared.errors import PayloadError

__all__ = ["PreparedMessage", "escape", "prepare_message", "refused_sequences", "special_sequences"]

#: The start of a special sequence: ``<!``, also with whitespace or invisible format characters in between.
_SPECIAL_START = re.compile("<[\\s\u200b-\u200d\u2060\ufeff]*!")
#: Slack's date formatting, the one ``<!...>`` sequence that is not a mention (nothing inside may open another).
_DATE = re.compile(r"<!date\^\d{1,12}\^[^<>|^]*(?:\^[^<>|^]*)?(?:\|[^<>]*)?>")
_NOT_ALLOWED = "group mentions are only sent through the 'mention' field"


def escape(text: str) -> str:
    """Slack's three control characters as entities: the text shows as typed and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class PreparedMessage:
    text: str | None
    blocks: list[dict[str, Any]] | None


def special_sequences(text: str) -> list[str]:
    """Every ``<!...>`` special sequence Slack could parse in ``text`` (up to its ``>``, or the rest of the text)."""
    found = []
    for match in _SPECIAL_START.finditer(text):
        end = text.find(">", match.end())
        found.append(text[match.start() :] if end < 0 else text[match.start() : end + 1])
    return found


def refused_sequences(text: str) -> list[str]:
    """The special sequences of raw ``text`` that count as a broadcast: all of them but date formatting."""
    return [seq for seq in special_sequences(text) if not _DATE.fullmatch(seq)]


def _refused(loc: list[Any], sequences: list[str]) -> dict[str, Any]:
    shown = ", ".join(repr(seq[:40]) for seq in sequences[:5])
    return {"loc": loc, "msg": f"{_NOT_ALLOWED} (found {shown})", "type": "broadcast_not_allowed"}


def _broadcasts(request: SlackRequest, blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if request.raw and request.text and (found := refused_sequences(request.text)):
        errors.append(_refused(["text"], found))
    if blocks is not None:
        if request.raw:
            found = [seq for obj in text_objects(blocks) for seq in refused_sequences(obj["text"])]
            if found:
                errors.append(_refused(["blocks"], found))
        if any(True for _ in broadcast_elements(blocks)):
            errors.append(
                {
                    "loc": ["blocks"],
                    "msg": "rich_text broadcast/usergroup elements need the 'mention' field",
                    "type": "broadcast_not_allowed",
                }
            )
    return errors


def prepare_message(request: SlackRequest) -> PreparedMessage:
    """Escaped (unless ``raw``) text and blocks, the explicit mention added; ``PayloadError`` if Slack would refuse."""
    blocks = copy.deepcopy(request.blocks) if request.blocks is not None else None
    errors = _broadcasts(request, blocks)
    text = request.text
    if not request.raw:
        text = escape(text) if text is not None else None
        for obj in text_objects(blocks or []):
            obj["text"] = escape(obj["text"])
    if request.mention is not None:
        token = f"<!{request.mention}>"
        text = f"{token} {text}" if text else token
        if blocks is not None:
            blocks.insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": token}})
    if text is not None and len(text) > MAX_TEXT:
        errors.append(
            {
                "loc": ["text"],
                "msg": f"{len(text)} characters (after escaping) > Slack's limit of {MAX_TEXT}",
                "type": "too_long",
            }
        )
    if blocks is not None:
        errors += block_errors(blocks)
    if errors:
        raise PayloadError("the message does not fit what Slack accepts", errors=errors)
    return PreparedMessage(text=text, blocks=blocks)
