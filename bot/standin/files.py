"""The stand-in's file uploads, the three steps slack_sdk's `files_upload_v2` takes.

1. `files.getUploadURLExternal` (filename, length, alt_txt) answers a file id and an upload URL
   on this server (127.0.0.1);
2. the file's bytes are POSTed to that URL, answered `200 OK - <length>` in plain text as Slack's
   upload service does;
3. `files.completeUploadExternal` (files, channel_id, initial_comment, thread_ts) shares the
   uploaded files: a message with them appears in the channel (or thread), as
   conversations.history shows it.

Failures are injected like any other method's: `fail("file_upload", status=500)` for step 2.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ALT_TXT_MAX = 1000  # Slack: alt_txt_too_large beyond this
UPLOAD_METHOD = "file_upload"  # the name calls to the upload URL are recorded (and failed) under
_MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "csv": "text/csv"}


@dataclass
class StoredFile:
    """A file an app uploaded, and where it was shared."""

    id: str
    name: str
    length: int
    alt_txt: str = ""
    title: str = ""
    data: bytes | None = None  # None until its bytes arrive
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts of the message)

    def as_dict(self, *, user: str, team_url: str) -> dict[str, Any]:
        """As Slack describes a file in a message or a method's answer."""
        kind = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "binary"
        return {
            "id": self.id,
            "created": int(time.time()),
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": _MIMETYPES.get(kind, "application/octet-stream"),
            "filetype": kind,
            "pretty_type": kind.upper(),
            "user": user,
            "size": len(self.data or b""),
            "is_public": bool(self.shares),
            "permalink": f"{team_url}files/{user}/{self.id}/{self.name}",
        }


class FileUploads:
    """Mixed into `SlackWebAPIStandIn` (which calls `_init_files` and routes `_handle_upload`)."""

    files: dict[str, StoredFile]

    def _init_files(self) -> None:
        self.files = {}
        self._file_ids = itertools.count(1)

    def shared_files(self, channel: str) -> list[StoredFile]:
        """Files shared in `channel`, in the order they were shared."""
        return [f for f in self.files.values() if any(c == channel for c, _ in f.shares)]

    def _m_files_getUploadURLExternal(self, args: dict) -> dict:
        filename = str(args.get("filename") or "")
        length = str(args.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return {"ok": False, "error": "missing_argument"}  # Slack's answer to a length of 0, too
        alt_txt = str(args.get("alt_txt") or "")
        if len(alt_txt) > ALT_TXT_MAX:
            return {"ok": False, "error": "alt_txt_too_large"}
        file_id = f"F{next(self._file_ids):010d}"
        self.files[file_id] = StoredFile(id=file_id, name=filename, length=int(length), alt_txt=alt_txt)
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        data = await request.read()
        call = self._record(UPLOAD_METHOD, {"file_id": file_id, "bytes": len(data)})
        failure = self._next_failure(UPLOAD_METHOD)
        if failure is not None:
            call.answered = str(failure.status)
            return web.Response(status=failure.status if failure.status != 200 else 500, text="upload failed")
        stored = self.files.get(file_id)
        if stored is None or stored.data is not None:
            call.answered = "404"
            return web.Response(status=404, text="unknown upload", content_type="text/plain")
        stored.data = data
        call.answered = "ok"
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    def _m_files_completeUploadExternal(self, args: dict) -> dict:
        try:
            wanted = json.loads(str(args.get("files") or ""))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(wanted, list) or not wanted or not all(isinstance(w, dict) for w in wanted):
            return {"ok": False, "error": "invalid_arguments"}
        files = [self.files.get(str(w.get("id"))) for w in wanted]
        if any(f is None or f.data is None or f.shares for f in files):
            return {"ok": False, "error": "file_not_found"}  # never uploaded, or completed already
        channel = str(args.get("channel_id") or "")
        thread_ts = str(args.get("thread_ts") or "")
        if channel and channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if thread_ts and not any(m.ts == thread_ts for m in self.messages.get(channel, [])):
            return {"ok": False, "error": "invalid_thread_ts"}
        for stored, asked in zip(files, wanted, strict=True):
            stored.title = str(asked.get("title") or stored.name)
        described = [f.as_dict(user=self.bot_user_id, team_url=self.team_url) for f in files]
        if channel:
            message = self._share(
                channel, text=str(args.get("initial_comment") or ""), files=described, thread_ts=thread_ts
            )
            for stored in files:
                stored.shares.append((channel, message.ts))
        return {"ok": True, "files": [f.as_dict(user=self.bot_user_id, team_url=self.team_url) for f in files]}
