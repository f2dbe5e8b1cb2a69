"""A local stand-in for an OpenAI-compatible server: `POST /v1/chat/completions` on 127.0.0.1.

It records every request (headers and JSON body), answers in the Chat Completions shape with a
rewrite it makes up from the idea it was sent — or, asked which ideas state the same problem,
`{"same": []}` — (or `reply` when set), and fails on demand: no answer
within the budget (`slow`), no answer at all (`never`), HTTP 429 with Retry-After, HTTP 500/503, or
a body that is not JSON (`malformed`); `hold()` keeps answers back until `release()`. The tests,
the benchmark and `ideabot demo` use it; nothing here talks to the internet.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

FAILURES = ("slow", "never", "429", "500", "503", "malformed")


@dataclass
class ChatRequest:
    """One request the stand-in received."""

    headers: dict[str, str]
    body: dict[str, Any]
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent."""
        value = self.body.get("messages")
        return value if isinstance(value, list) else []

    def text(self) -> str:
        """Every message's content, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.messages if isinstance(m, dict))


def made_up_answer(request: ChatRequest) -> str:
    """What the stand-in answers when no `reply` is set: a verdict naming no similar idea to a
    second look at similar ideas (bot/runtime/same_problem.py), a made-up rewrite to the rest."""
    if re.search(r"<ideas-[0-9a-f]+>", request.text()):
        return '{"same": []}'
    return made_up_rewrite(request)


def made_up_rewrite(request: ChatRequest) -> str:
    """A rewrite built from the idea in the request: who is affected, and what they wrote."""
    match = re.search(r"<idea-[0-9a-f]+>\s*(\{.*\})\s*</idea-", request.text(), re.S)
    try:
        idea = json.loads(match.group(1)) if match else {}
    except ValueError:
        idea = {}
    who = str(idea.get("who has the problem") or "The people affected").strip()
    title = str(idea.get("title") or "this").strip()
    return (
        f"{who} lose time every week because of what “{title}” is about, and they have no other way to "
        "get it done today."
    )


@dataclass
class ChatCompletionsStandIn:
    """The stand-in server; `await start()`, point `LLM_BASE_URL` at `.url`, `await stop()`."""

    model: str = "standin-rewriter"
    latency: float = 0.01
    slow_seconds: float = 30.0  # how late a `slow` failure answers
    reply: str | Callable[[ChatRequest], str] | None = None  # every answer's content (None: `made_up_answer`)
    requests: list[ChatRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._failures: deque[str] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()
        self._held: asyncio.Event | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on 127.0.0.1 (a free port by default)."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Release requests held open, stop listening."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The base URL to give `LLM_BASE_URL`."""
        return f"http://127.0.0.1:{self.port}/v1"

    def hold(self) -> None:
        """Keep answers back until `release()` (requests are still recorded as they come)."""
        self._held = asyncio.Event()

    def release(self) -> None:
        """Send the answers held back."""
        if self._held is not None:
            self._held.set()
            self._held = None

    def fail(self, kind: str, *, times: int = 1) -> None:
        """Answer the next `times` requests with failure `kind` (one of `FAILURES`)."""
        if kind not in FAILURES:
            raise ValueError(f"unknown failure {kind!r}: one of {', '.join(FAILURES)}")
        self._failures.extend([kind] * times)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        recorded = ChatRequest(
            headers=dict(request.headers), body=body if isinstance(body, dict) else {}, at=time.monotonic()
        )
        self.requests.append(recorded)
        await asyncio.sleep(self.latency)
        if self._held is not None:
            await self._held.wait()
        failure = self._failures.popleft() if self._failures else ""
        if failure == "never":
            await self._release.wait()  # held until the stand-in stops
            return web.Response(status=503)
        if failure == "slow":
            await asyncio.sleep(self.slow_seconds)
        if failure == "429":
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit"}}
            return web.json_response(error, status=429, headers={"Retry-After": "20"})
        if failure in ("500", "503"):
            return web.json_response(
                {"error": {"message": "upstream failure", "type": "server_error"}}, status=int(failure)
            )
        if failure == "malformed":
            return web.Response(text='{"id": "chatcmpl-1", "choices": [{"message": ', content_type="application/json")
        reply = self.reply if self.reply is not None else made_up_answer
        content = reply(recorded) if callable(reply) else reply
        return web.json_response(
            {
                "id": f"chatcmpl-standin-{next(self._ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": str(recorded.body.get("model") or self.model),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130},
            }
        )
