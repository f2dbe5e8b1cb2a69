"""The client of the language model a team connects (`LLM_BASE_URL`, `LLM_MODEL`, `LLM_API_KEY`).

One OpenAI-compatible server (OpenAI, Azure OpenAI, Ollama, vLLM, a llama.cpp server…) reached
through the official `openai` SDK, shared by what asks it something: suggested rewrites
(rewrite.py) and, when `LLM_SIMILAR_IDEAS` is on, the second look at similar ideas
(same_problem.py). Each caller sets its own budget; the SDK never retries (a late answer is no use).
Nothing of a prompt or an answer is logged (bot/runtime/logs.py keeps the SDK's logging off).
"""

from __future__ import annotations

import asyncio
from typing import Any


class ChatModel:
    """One connected model: `start()` (imports the SDK), `await answer(messages)`, `await close()`."""

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = timeout  # the longest any caller's budget is (each caller waits its own)
        self._api_key = api_key or "not-needed"  # local servers take any key; the SDK wants one
        self._client: Any = None

    @property
    def started(self) -> bool:
        return self._client is not None

    def start(self) -> None:
        """Import the SDK and make the client (at start-up, so no request waits for the import)."""
        import openai  # lazily: a bot without a model never pays for the import

        self._client = openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self._api_key, timeout=self.timeout, max_retries=0
        )

    async def close(self) -> None:
        """Release the client's connections."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def answer(self, messages: list[dict[str, str]]) -> object:
        """The first choice's content (None when the answer has none); raises what the SDK raises."""
        response = await self._client.chat.completions.create(model=self.model, messages=messages)
        choices = getattr(response, "choices", None) or []
        message = getattr(choices[0], "message", None) if choices else None
        return getattr(message, "content", None)


def failure_kind(error: BaseException) -> str:
    """A failure in words that carry nothing the model or the person wrote."""
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return "no answer within the budget"
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(error).__name__
