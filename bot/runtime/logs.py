"""Logging set-up: one format, and no token or secret ever written to a log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_TOKEN_RE = re.compile(r"\b(?:xox[abposr]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]{6,}")
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replace Slack tokens and the given secrets in every record with `[redacted]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def redact(self, text: str) -> str:
        """`text` with every token and secret replaced."""
        text = _TOKEN_RE.sub(REDACTED, text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, *, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level`, redacting secrets; quiet the chattiest libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The language model's SDK and its HTTP client log whole requests (prompts) at DEBUG: never below WARNING.
    for private in ("openai", "httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(private).setLevel(logging.WARNING)
    for noisy in ("aiohttp.access", "apscheduler.executors.default", "slack_sdk.web.async_base_client"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
