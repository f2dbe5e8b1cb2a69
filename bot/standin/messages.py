"""The stand-in's messages: chat.postMessage, chat.update, chat.postEphemeral, chat.getPermalink,
conversations.history and conversations.replies, answered from the messages it holds per channel.

Mixed into `SlackWebAPIStandIn`; every message body is checked against Slack's limits first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bot.standin.limits import check_message


@dataclass
class Message:
    """A message the stand-in holds."""

    channel: str
    ts: str
    text: str
    blocks: list
    thread_ts: str | None = None
    metadata: dict | None = None
    user: str = ""
    bot_id: str = ""
    edited: bool = False
    files: list | None = None  # a file share (files.completeUploadExternal)

    def as_dict(self, *, with_metadata: bool) -> dict:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "blocks": self.blocks}
        if self.files:
            data.update(files=self.files, upload=True)
        if self.user:
            data["user"] = self.user
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            data["metadata"] = self.metadata
        return data


class ChannelMessages:
    """Mixed into the stand-in: `messages` holds each channel's messages and replies, oldest first."""

    messages: defaultdict[str, list[Message]]
    missing_channels: set[str]
    team_url: str
    bot_user_id: str
    bot_id: str

    def _channel_for(self, channel: str) -> str:
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _m_chat_postMessage(self, args: dict) -> dict:
        channel = str(args.get("channel") or "")
        if not channel or channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        error = check_message(args)
        if error:
            return {"ok": False, "error": error}
        metadata = args.get("metadata")
        if metadata is not None and (not isinstance(metadata, dict) or "event_type" not in metadata):
            return {"ok": False, "error": "invalid_metadata_format"}
        channel = self._channel_for(channel)
        thread_ts = args.get("thread_ts") or None
        if thread_ts and not any(m.ts == thread_ts for m in self.messages[channel]):
            return {"ok": False, "error": "thread_not_found"}
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=str(args.get("text") or ""),
            blocks=list(args.get("blocks") or []),
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=metadata,
            user=self.bot_user_id,
            bot_id=self.bot_id,
        )
        self.messages[channel].append(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": message.as_dict(with_metadata=True),
        }

    def _share(self, channel: str, *, text: str, files: list, thread_ts: str = "") -> Message:
        """The message a file share posts (files.completeUploadExternal)."""
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=text,
            blocks=[],
            thread_ts=thread_ts or None,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            files=files,
        )
        self.messages[channel].append(message)
        return message

    def _m_chat_update(self, args: dict) -> dict:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        found = next((m for m in self.messages.get(channel, []) if m.ts == ts), None)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        error = check_message(args)
        if error:
            return {"ok": False, "error": error}
        found.text = str(args.get("text") or "")
        found.blocks = list(args.get("blocks") or [])
        found.edited = True
        return {"ok": True, "channel": channel, "ts": ts, "text": found.text}

    def _m_chat_postEphemeral(self, args: dict) -> dict:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        error = check_message(args)
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "message_ts": self._new_ts()}

    def _m_chat_getPermalink(self, args: dict) -> dict:
        channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
        if not channel or not ts or channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"{self.team_url}archives/{channel}/p{ts.replace('.', '')}",
        }

    def _m_conversations_history(self, args: dict) -> dict:
        channel = str(args.get("channel") or "")
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        top = [m for m in self.messages.get(channel, []) if not m.thread_ts and float(m.ts) >= oldest]
        top.sort(key=lambda m: float(m.ts), reverse=True)
        limit = int(args.get("limit") or 100)
        return {
            "ok": True,
            "messages": [m.as_dict(with_metadata=with_metadata) for m in top[:limit]],
            "has_more": False,
        }

    def _m_conversations_replies(self, args: dict) -> dict:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = [m for m in self.messages.get(channel, []) if m.ts == ts or m.thread_ts == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {
            "ok": True,
            "messages": [m.as_dict(with_metadata=with_metadata) for m in thread],
            "has_more": False,
        }
