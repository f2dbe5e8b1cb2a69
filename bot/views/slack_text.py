"""User text is data: escape it for mrkdwn and cut it to Slack's limits without breaking it."""

from __future__ import annotations

import re

ELLIPSIS = "…"

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_RE = re.compile("[&<>]")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` so Slack shows user text literally and notifies nobody."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def truncate(text: str, limit: int) -> str:
    """Cut plain text to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def mrkdwn(text: str, limit: int = 3000) -> str:
    """Escape user text and cut it to `limit` characters without splitting an escape sequence.

    Truncation happens on the escaped form, because that is what Slack counts.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: max(limit - 1, 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) to single spaces."""
    return " ".join(text.split())


def user_mention(user_id: str) -> str:
    """`<@U123>` for a Slack user id; anything that is not an id is shown escaped instead."""
    return f"<@{user_id}>" if _USER_ID.match(user_id or "") else escape(user_id or "someone")


def channel_mention(channel_id: str) -> str:
    """`<#C123>` for a channel id; anything else escaped."""
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id or "") else escape(channel_id)


def link(url: str, label: str) -> str:
    """A mrkdwn link with an escaped label; without a safe URL, just the label."""
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in "<>| \n"):
        return escape(label)
    return f"<{url}|{escape(label)}>"
