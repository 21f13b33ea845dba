"""Turning a request into what Slack gets: user text escaped, explicit mentions only, limits enforced.

Slack parses ``<...>`` in message text: ``<!here>``, ``<!channel>``, ``<!everyone>`` and
``<!subteam^ID>`` notify whole groups. Escaping ``&``, ``<`` and ``>`` (as Slack documents) makes user
text inert; ``@channel`` typed as plain words is not linked because we post with ``link_names=false``
and ``parse=none``. The one way to notify a group is the request's ``mention`` field.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from notify_slack.blocks import MAX_TEXT, block_errors, broadcast_elements, text_objects
from notify_slack.models import SlackRequest
from shared.errors import PayloadError

__all__ = ["PreparedMessage", "escape", "prepare_message"]

_BROADCAST_RE = re.compile(r"<!(?:here|channel|everyone|subteam\^[A-Za-z0-9]+)(?:\|[^>]*)?>", re.IGNORECASE)


def escape(text: str) -> str:
    """Slack's three control characters as entities: the text shows as typed and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class PreparedMessage:
    text: str | None
    blocks: list[dict[str, Any]] | None


def _broadcasts(request: SlackRequest, blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if request.raw and request.text and _BROADCAST_RE.search(request.text):
        errors.append({"loc": ["text"], "msg": "group mentions are only sent through the 'mention' field",
                       "type": "broadcast_not_allowed"})
    if blocks is not None:
        if request.raw and any(_BROADCAST_RE.search(obj["text"]) for obj in text_objects(blocks)):
            errors.append({"loc": ["blocks"], "msg": "group mentions are only sent through the 'mention' field",
                           "type": "broadcast_not_allowed"})
        if any(True for _ in broadcast_elements(blocks)):
            errors.append({"loc": ["blocks"], "msg": "rich_text broadcast/usergroup elements need the 'mention' field",
                           "type": "broadcast_not_allowed"})
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
        errors.append({"loc": ["text"], "msg": f"{len(text)} characters (after escaping) > Slack's limit of {MAX_TEXT}",
                       "type": "too_long"})
    if blocks is not None:
        errors += block_errors(blocks)
    if errors:
        raise PayloadError("the message does not fit what Slack accepts", errors=errors)
    return PreparedMessage(text=text, blocks=blocks)
