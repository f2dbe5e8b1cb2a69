"""Show Slack messages in a terminal: Block Kit dicts to readable plain text (pure)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
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

    def add(text: str, indent: str = "") -> None:
        for line in text.split("\n"):
            wrapped = textwrap.wrap(line, width=width, initial_indent=indent, subsequent_indent=indent + "  ")
            out.extend(wrapped or [indent.rstrip()])

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"))
            out.extend([title.upper(), "=" * min(width, len(title))])
        elif kind == "section":
            if block.get("text"):
                add(_text(block["text"]))
            fields = [_text(f).replace("\n", ": ", 1) for f in block.get("fields") or []]
            if fields:
                add(" · ".join(fields))
            accessory = block.get("accessory")
            if isinstance(accessory, Mapping) and accessory.get("type") == "button":
                out.append(f"[ {_text(accessory.get('text'))} ]")
        elif kind == "context":
            for element in block.get("elements") or []:
                add(_text(element), "  ")
        elif kind == "actions":
            buttons = [f"[ {_text(e.get('text'))} ]" for e in block.get("elements") or [] if e.get("type") == "button"]
            if buttons:
                out.append(" ".join(buttons))
        elif kind == "divider":
            out.append("-" * min(width, 40))
        elif kind == "input":
            out.append(f"{_text(block.get('label'))}: ____")
    return "\n".join(out)


def boxed(title: str, body: str, *, width: int = 90) -> str:
    """A titled box around `body`, for the demo's transcript."""
    top = f"┌─ {title} " + "─" * max(0, width - len(title) - 4)
    lines = [top]
    for line in body.split("\n"):
        lines.extend(f"│ {part}" for part in (textwrap.wrap(line, width - 2, subsequent_indent="  ") or [""]))
    lines.append("└" + "─" * (width - 1))
    return "\n".join(lines)
