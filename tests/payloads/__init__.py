"""Real Slack payload shapes as fixtures: load them, fill their placeholders, encode them as Slack does.

Each fixture is one JSON file, `tests/payloads/<kind>/<name>.json` (see README.md). Its body keeps
the structure and key names of a payload found in Slack's SDK test suites or documentation; only
identifying values and free text are reworded. Values that must be fresh or that come from the
running test (a trigger id, a response URL, the ts of an idea's card) are placeholders such as
"{trigger_id}" that `render` replaces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).parent

# Every kind the fixtures must cover (issue 16), in the order the counts are printed.
KINDS = (
    "slash_command",
    "block_actions",
    "view_submission",
    "view_closed",
    "message_shortcut",
    "global_shortcut",
    "app_home",
    "thread_reply",
    "reaction",
    "retry",
    "enterprise_grid",
    "function",
    "url_verification",
    "ssl_check",
)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# Placeholders a fixture may use; "{trigger_id}" and "{response_url}" are fresh on every render.
PLACEHOLDER = re.compile(r"\{(trigger_id|response_url|card_ts|idea_id|ideas_channel|reply_ts)\}")

SETUP_STEPS = ("idea", "reply", "support")


@dataclass(frozen=True)
class Fixture:
    """One payload file."""

    path: Path
    kind: str
    source: str
    encoding: str  # "form" or "json"
    body: Any
    expect: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    setup: tuple[str, ...] = ()  # state to create first: "idea", "reply", "support:<user>"
    signed: bool | str = True  # False: no signature (Slack's ssl_check is unsigned); "bad": a wrong one
    original: bool = False  # retries: the same body was delivered once before, without the headers
    note: str = ""

    @property
    def id(self) -> str:
        """`kind/name`, the test id."""
        return f"{self.path.parent.name}/{self.path.stem}"

    @property
    def content_type(self) -> str:
        return FORM if self.encoding == "form" else JSON


def _check(data: dict[str, Any], path: Path) -> None:
    missing = {"kind", "source", "encoding", "body", "expect"} - set(data)
    if missing:
        raise ValueError(f"{path}: missing {sorted(missing)}")
    if data["kind"] != path.parent.name or data["kind"] not in KINDS:
        raise ValueError(f"{path}: kind {data['kind']!r} does not match its folder or is unknown")
    if data["encoding"] not in ("form", "json"):
        raise ValueError(f"{path}: encoding must be 'form' or 'json'")
    for step in data.get("setup", []):
        if step.split(":", 1)[0] not in SETUP_STEPS:
            raise ValueError(f"{path}: unknown setup step {step!r}")


def load(path: Path) -> Fixture:
    """Read one fixture file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    _check(data, path)
    return Fixture(
        path=path,
        kind=data["kind"],
        source=data["source"],
        encoding=data["encoding"],
        body=data["body"],
        expect=data["expect"],
        headers=dict(data.get("headers", {})),
        setup=tuple(data.get("setup", [])),
        signed=data.get("signed", True),
        original=data.get("original", False),
        note=data.get("note", ""),
    )


def load_all() -> list[Fixture]:
    """Every fixture, sorted by kind then name."""
    return [load(path) for path in sorted(HERE.glob("*/*.json"))]


def _fill(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: replace(m.group(1)), value)
    if isinstance(value, list):
        return [_fill(item, replace) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, replace) for key, item in value.items()}
    return value


def render(fixture: Fixture, values: Mapping[str, str | Callable[[], str]]) -> str:
    """The request body exactly as Slack would send it, placeholders filled from `values`.

    A value may be a callable (a fresh trigger id each time it is used). For a form, an
    interactivity `payload` field held as an object is JSON-encoded, as Slack sends it.
    """

    def replace(name: str) -> str:
        if name not in values:
            raise KeyError(f"{fixture.id} uses {{{name}}} but the test gave no value for it")
        value = values[name]
        return value() if callable(value) else value

    body = _fill(fixture.body, replace)
    if fixture.encoding == "json":
        return json.dumps(body)
    fields = {key: json.dumps(value) if not isinstance(value, str) else value for key, value in body.items()}
    return urlencode(fields)


def placeholders(fixture: Fixture) -> set[str]:
    """The placeholder names a fixture uses."""
    return set(PLACEHOLDER.findall(json.dumps(fixture.body)))
