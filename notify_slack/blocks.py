"""Block Kit checks for messages: block types, required fields and Slack's documented size limits.

Slack answers a bad message with one opaque ``invalid_blocks``; we say which block and which limit,
before anything is sent. Unknown extra keys pass through untouched (Slack adds fields over time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["LIMITS", "MAX_BLOCKS", "MAX_TEXT", "block_errors", "broadcast_elements", "text_objects"]

MAX_TEXT = 40_000
MAX_BLOCKS = 50
LIMITS = {
    "block_id": 255,
    "section.text": 3000,
    "section.fields": 10,
    "section.field": 2000,
    "header.text": 150,
    "context.elements": 10,
    "actions.elements": 25,
    "image.image_url": 3000,
    "image.alt_text": 2000,
    "image.title": 2000,
    "markdown.text": 12_000,
    "button.text": 75,
    "button.value": 2000,
    "button.url": 3000,
    "action_id": 255,
}
MESSAGE_BLOCK_TYPES = frozenset(
    {"section", "header", "divider", "context", "actions", "image", "rich_text", "markdown", "video", "file"}
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

Error = dict[str, Any]


def _err(loc: list[Any], msg: str, type_: str) -> Error:
    return {"loc": loc, "msg": msg, "type": type_}


def _text_object(value: Any, loc: list[Any], *, limit: int, plain_only: bool = False) -> list[Error]:
    if not isinstance(value, dict):
        return [_err(loc, "expected a text object {type, text}", "type_error")]
    kind, text = value.get("type"), value.get("text")
    if kind not in TEXT_TYPES or (plain_only and kind != "plain_text"):
        allowed = "plain_text" if plain_only else "plain_text or mrkdwn"
        return [_err([*loc, "type"], f"text type must be {allowed}", "value_error")]
    if not isinstance(text, str) or not text:
        return [_err([*loc, "text"], "text must be a non-empty string", "value_error")]
    if len(text) > limit:
        return [_err([*loc, "text"], f"{len(text)} characters > Slack's limit of {limit}", "too_long")]
    return []


def _max_len(block: dict[str, Any], key: str, limit: int, loc: list[Any]) -> list[Error]:
    value = block.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        return [_err([*loc, key], f"must be a string of at most {limit} characters", "too_long")]
    return []


def _element(element: Any, loc: list[Any]) -> list[Error]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [_err(loc, "an element needs a type", "value_error")]
    errors = _max_len(element, "action_id", LIMITS["action_id"], loc)
    if element["type"] == "button":
        errors += _text_object(element.get("text"), [*loc, "text"], limit=LIMITS["button.text"], plain_only=True)
        errors += _max_len(element, "value", LIMITS["button.value"], loc)
        errors += _max_len(element, "url", LIMITS["button.url"], loc)
    return errors


def _section(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    errors: list[Error] = []
    if "text" not in block and "fields" not in block:
        errors.append(_err(loc, "a section needs text or fields", "missing"))
    if "text" in block:
        errors += _text_object(block["text"], [*loc, "text"], limit=LIMITS["section.text"])
    if "fields" in block:
        fields = block["fields"]
        if not isinstance(fields, list) or not fields or len(fields) > LIMITS["section.fields"]:
            errors.append(_err([*loc, "fields"], f"1 to {LIMITS['section.fields']} fields", "too_long"))
        else:
            for j, field in enumerate(fields):
                errors += _text_object(field, [*loc, "fields", j], limit=LIMITS["section.field"])
    if "accessory" in block:
        errors += _element(block["accessory"], [*loc, "accessory"])
    return errors


def _header(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    return _text_object(block.get("text"), [*loc, "text"], limit=LIMITS["header.text"], plain_only=True)


def _elements(block: dict[str, Any], loc: list[Any], limit_key: str) -> list[Any] | Error:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements or len(elements) > LIMITS[limit_key]:
        return _err([*loc, "elements"], f"1 to {LIMITS[limit_key]} elements", "too_long")
    return elements


def _context(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    elements = _elements(block, loc, "context.elements")
    if not isinstance(elements, list):
        return [elements]
    errors: list[Error] = []
    for j, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") == "image":
            errors += _max_len(element, "image_url", LIMITS["image.image_url"], [*loc, "elements", j])
        else:
            errors += _text_object(element, [*loc, "elements", j], limit=LIMITS["section.text"])
    return errors


def _actions(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    elements = _elements(block, loc, "actions.elements")
    if not isinstance(elements, list):
        return [elements]
    errors: list[Error] = []
    for j, element in enumerate(elements):
        errors += _element(element, [*loc, "elements", j])
    return errors


def _image(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    errors: list[Error] = []
    for key in ("image_url", "alt_text"):
        if not isinstance(block.get(key), str) or not block[key]:
            errors.append(_err([*loc, key], f"an image needs {key}", "missing"))
    errors += _max_len(block, "image_url", LIMITS["image.image_url"], loc)
    errors += _max_len(block, "alt_text", LIMITS["image.alt_text"], loc)
    if "title" in block:
        errors += _text_object(block["title"], [*loc, "title"], limit=LIMITS["image.title"], plain_only=True)
    return errors


def _markdown(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    errors = _max_len(block, "text", LIMITS["markdown.text"], loc)
    if not block.get("text"):
        errors.append(_err([*loc, "text"], "a markdown block needs text", "missing"))
    return errors


def _rich_text(block: dict[str, Any], loc: list[Any]) -> list[Error]:
    if not isinstance(block.get("elements"), list) or not block["elements"]:
        return [_err([*loc, "elements"], "rich_text needs elements", "missing")]
    return []


#: the checks of each block type beyond its ``block_id``
_BLOCK_CHECKS: dict[str, Callable[[dict[str, Any], list[Any]], list[Error]]] = {
    "section": _section,
    "header": _header,
    "context": _context,
    "actions": _actions,
    "image": _image,
    "markdown": _markdown,
    "rich_text": _rich_text,
}


def _block(block: Any, loc: list[Any]) -> list[Error]:
    if not isinstance(block, dict):
        return [_err(loc, "a block is an object", "type_error")]
    kind = block.get("type")
    if kind not in MESSAGE_BLOCK_TYPES:
        return [
            _err(
                [*loc, "type"],
                f"unsupported block type {kind!r} (one of {', '.join(sorted(MESSAGE_BLOCK_TYPES))})",
                "value_error",
            )
        ]
    errors = _max_len(block, "block_id", LIMITS["block_id"], loc)
    check = _BLOCK_CHECKS.get(kind)
    return errors + check(block, loc) if check else errors


def block_errors(blocks: Any) -> list[Error]:
    """Every problem in ``blocks`` (empty when Slack would accept them), located as ``["blocks", i, ...]``."""
    if not isinstance(blocks, list):
        return [_err(["blocks"], "blocks is a list", "type_error")]
    if len(blocks) > MAX_BLOCKS:
        return [_err(["blocks"], f"{len(blocks)} blocks > Slack's limit of {MAX_BLOCKS} per message", "too_long")]
    errors: list[Error] = []
    for i, block in enumerate(blocks):
        errors += _block(block, ["blocks", i])
    return errors


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every mrkdwn / plain_text object and markdown block inside ``node`` (what Slack parses for ``<...>``)."""
    if isinstance(node, dict):
        if isinstance(node.get("text"), str) and node.get("type") in {"plain_text", "mrkdwn", "markdown"}:
            yield node
        for value in node.values():
            if isinstance(value, dict | list):
                yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def broadcast_elements(node: Any) -> Iterator[dict[str, Any]]:
    """``rich_text`` broadcast elements (``{"type": "broadcast", "range": "here"}``) and user-group mentions."""
    if isinstance(node, dict):
        if node.get("type") in {"broadcast", "usergroup"}:
            yield node
        for value in node.values():
            if isinstance(value, dict | list):
                yield from broadcast_elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from broadcast_elements(item)
