"""Show Slack messages in a terminal: Block Kit dicts to readable plain text (pure)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_EMOJI = {
    ":bulb:": "💡",
    ":warning:": "⚠️",
    ":mag:": "🔍",
    ":new:": "🆕",
    ":question:": "❓",
    ":eyes:": "👀",
    ":white_check_mark:": "✅",
    ":hammer_and_wrench:": "🛠",
    ":rocket:": "🚀",
    ":parking:": "🅿️",
    ":no_entry_sign:": "🚫",
    ":twisted_rightwards_arrows:": "🔀",
    ":raised_hands:": "🙌",
    ":bar_chart:": "📊",
    ":sparkles:": "✨",
    ":hourglass:": "⏳",
    ":scales:": "⚖️",
    ":handshake:": "🤝",
    ":point_right:": "👉",
    ":thumbsup:": "👍",
    ":arrows_counterclockwise:": "🔄",
    ":tada:": "🎉",
}


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as a terminal would show it: links as `label (url)`, mentions as @U…, unescaped."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _USER.sub(lambda m: f"@{m.group(1)}", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    for code, char in _EMOJI.items():
        text = text.replace(code, char)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return mrkdwn_to_text(str(obj.get("text", "")))
    return ""


def render_blocks(blocks: Sequence[Mapping[str, Any]], *, width: int = 88) -> str:
    """Plain text for a list of blocks, one paragraph per block."""
    out: list[str] = []
    for block in blocks:
        render = _RENDERERS.get(str(block.get("type")))
        if render is not None:
            out.extend(render(block, width))
    return "\n".join(out)


def _wrapped(text: str, width: int, indent: str = "") -> list[str]:
    """`text` wrapped to `width`, each of its lines on its own (a blank line kept)."""
    lines: list[str] = []
    for line in text.split("\n"):
        wrapped = textwrap.wrap(line, width=width, initial_indent=indent, subsequent_indent=indent + "  ")
        lines.extend(wrapped or [indent.rstrip()])
    return lines


def _header(block: Mapping[str, Any], width: int) -> list[str]:
    title = _text(block.get("text"))
    return [title.upper(), "=" * min(width, len(title))]


def _section(block: Mapping[str, Any], width: int) -> list[str]:
    lines = _wrapped(_text(block["text"]), width) if block.get("text") else []
    fields = [_text(f).replace("\n", ": ", 1) for f in block.get("fields") or []]
    if fields:
        lines += _wrapped(" · ".join(fields), width)
    accessory = block.get("accessory")
    if isinstance(accessory, Mapping) and accessory.get("type") == "button":
        lines.append(f"[ {_text(accessory.get('text'))} ]")
    return lines


def _context(block: Mapping[str, Any], width: int) -> list[str]:
    return [line for element in block.get("elements") or [] for line in _wrapped(_text(element), width, "  ")]


def _actions(block: Mapping[str, Any], _width: int) -> list[str]:
    buttons = [f"[ {_text(e.get('text'))} ]" for e in block.get("elements") or [] if e.get("type") == "button"]
    return [" ".join(buttons)] if buttons else []


def _divider(_block: Mapping[str, Any], width: int) -> list[str]:
    return ["-" * min(width, 40)]


def _input(block: Mapping[str, Any], _width: int) -> list[str]:
    return [f"{_text(block.get('label'))}: ____"]


_RENDERERS: dict[str, Callable[[Mapping[str, Any], int], list[str]]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "actions": _actions,
    "divider": _divider,
    "input": _input,
}


def boxed(title: str, body: str, *, width: int = 90) -> str:
    """A titled box around `body`, for the demo's transcript."""
    top = f"┌─ {title} " + "─" * max(0, width - len(title) - 4)
    lines = [top]
    for line in body.split("\n"):
        lines.extend(f"│ {part}" for part in (textwrap.wrap(line, width - 2, subsequent_indent="  ") or [""]))
    lines.append("└" + "─" * (width - 1))
    return "\n".join(lines)
