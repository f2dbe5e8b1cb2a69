"""Slack's limits on messages and views (docs.slack.dev), as the stand-in enforces them on every surface.

`check_message` and `check_view` answer "" for a body Slack would accept, else the error code Slack
answers; so a message Slack would reject fails in the tests too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000
MESSAGE_BLOCK_TEXT_MAX = 13_000  # msg_blocks_too_long has been seen around 13k characters of block text


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else ""


def _block_text_length(block: dict) -> int:
    total = len(_text_of(block.get("text")))
    for f in block.get("fields") or []:
        total += len(_text_of(f))
    for e in block.get("elements") or []:
        total += len(_text_of(e)) + len(_text_of(e.get("text") if isinstance(e, dict) else None))
    return total


def check_blocks(blocks: Any, *, max_blocks: int) -> str:
    """ "" if Slack would accept these blocks, else the error code it answers."""
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > max_blocks:
        return "invalid_blocks"
    seen_ids: set[str] = set()
    for block in blocks:
        if not isinstance(block, dict) or "type" not in block:
            return "invalid_blocks"
        if _block_id_error(block, seen_ids) or _block_error(block):
            return "invalid_blocks"
    return ""


def _block_id_error(block: dict, seen_ids: set[str]) -> bool:
    """Whether a block's id is not a string of at most 255 characters, or one seen before (it is noted)."""
    block_id = block.get("block_id")
    if block_id is None:
        return False
    if not isinstance(block_id, str) or len(block_id) > 255 or block_id in seen_ids:
        return True
    seen_ids.add(block_id)
    return False


def _section_error(block: dict) -> bool:
    fields = block.get("fields") or []
    accessory = block.get("accessory")
    return (
        ("text" not in block and "fields" not in block)
        or len(_text_of(block.get("text"))) > 3000
        or len(fields) > 10
        or any(len(_text_of(f)) > 2000 for f in fields)
        or (accessory is not None and _element_error(accessory))
    )


def _header_error(block: dict) -> bool:
    return not (1 <= len(_text_of(block.get("text"))) <= 150)


def _context_error(block: dict) -> bool:
    elements = block.get("elements") or []
    return not elements or len(elements) > 10 or any(len(_text_of(e)) > 3000 for e in elements)


def _actions_error(block: dict) -> bool:
    elements = block.get("elements") or []
    return not elements or len(elements) > 25 or any(_element_error(e) for e in elements)


def _input_error(block: dict) -> bool:
    label = _text_of(block.get("label"))
    return not label or len(label) > 2000 or _element_error(block.get("element"))


_BLOCK_ERRORS: dict[str, Callable[[dict], bool]] = {
    "section": _section_error,
    "header": _header_error,
    "context": _context_error,
    "actions": _actions_error,
    "input": _input_error,
}
_UNCHECKED_BLOCKS = ("divider", "image", "rich_text", "markdown")  # kinds ideabot sends without limits to check


def _block_error(block: dict) -> bool:
    """Whether Slack would refuse this block for its kind's limits (or a kind it doesn't know)."""
    kind = block["type"]
    check = _BLOCK_ERRORS.get(kind) if isinstance(kind, str) else None
    return check(block) if check is not None else kind not in _UNCHECKED_BLOCKS


def _element_error(element: Any) -> bool:
    if not isinstance(element, dict) or "type" not in element:
        return True
    if len(str(element.get("action_id", ""))) > 255:
        return True
    kind = element["type"]
    if kind == "button":
        return not (1 <= len(_text_of(element.get("text"))) <= 75) or len(str(element.get("value", ""))) > 2000
    if kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        initial = element.get("initial_value")
        return (
            not isinstance(max_length, int)
            or not (1 <= max_length <= 3000)
            or (isinstance(initial, str) and len(initial) > max_length)
        )
    if kind in ("radio_buttons", "static_select", "overflow", "checkboxes"):
        options = element.get("options") or []
        limit = 5 if kind == "overflow" else 100
        return not options or len(options) > limit or any(len(_text_of(o.get("text"))) > 75 for o in options)
    return False


def check_message(args: dict) -> str:
    """ "" if Slack would accept this message body, else its error code."""
    text = args.get("text")
    blocks = args.get("blocks")
    if not text and not blocks:
        return "no_text"
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        return "msg_too_long"
    if blocks:
        error = check_blocks(blocks, max_blocks=MESSAGE_BLOCKS_MAX)
        if error:
            return error
        if sum(_block_text_length(b) for b in blocks) > MESSAGE_BLOCK_TEXT_MAX:
            return "msg_blocks_too_long"
    return ""


def check_view(view: Any) -> str:
    """ "" if Slack would accept this view, else its error code."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return "invalid_arguments"
    if view["type"] == "modal":
        for key in ("title", "submit", "close"):
            value = view.get(key)
            if value is not None and not (1 <= len(_text_of(value)) <= 24):
                return "invalid_arguments"
        if not view.get("title"):
            return "invalid_arguments"
    metadata = view.get("private_metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) > 3000):
        return "invalid_arguments"
    return check_blocks(view.get("blocks") or [], max_blocks=VIEW_BLOCKS_MAX)
