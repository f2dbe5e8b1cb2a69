"""manifest.yml declares exactly what the code registers, and the scopes it needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.ids import BOT_SCOPES
from handlers import register_handlers

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


class Recorder:
    """Stands in for AsyncApp during registration and records what is registered."""

    def __init__(self) -> None:
        self.commands: set[str] = set()
        self.shortcuts: set[str] = set()
        self.events: set[str] = set()
        self.actions: set[str] = set()
        self.views: set[str] = set()

    def _record(self, bucket: set[str], key) -> object:
        bucket.add(str(key))
        return lambda func: func

    def command(self, key):
        return self._record(self.commands, key)

    def shortcut(self, key):
        return self._record(self.shortcuts, key)

    def event(self, key):
        return self._record(self.events, key)

    def action(self, key):
        return self._record(self.actions, key)

    def view(self, key):
        return self._record(self.views, key)

    def __getattr__(self, name: str):
        raise AssertionError(f"registration through app.{name} is not covered by the manifest test")


def load() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def registered() -> Recorder:
    recorder = Recorder()
    register_handlers(recorder)  # the real registration code
    return recorder


def test_commands_match() -> None:
    declared = {c["command"] for c in load()["features"]["slash_commands"]}
    assert declared == registered().commands


def test_shortcuts_match() -> None:
    declared = {s["callback_id"] for s in load()["features"]["shortcuts"]}
    assert declared == registered().shortcuts
    kinds = {s["callback_id"]: s["type"] for s in load()["features"]["shortcuts"]}
    assert kinds == {"submit_idea": "global", "capture_as_idea": "message"}


def test_events_match() -> None:
    declared = set(load()["settings"]["event_subscriptions"]["bot_events"])
    events = registered().events
    # The one "message" listener is subscribed to as message.channels (public channel threads).
    if "message" in events:
        events = (events - {"message"}) | {"message.channels"}
    assert declared == events


def test_scopes_are_exactly_the_ones_the_code_needs() -> None:
    assert set(load()["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)


def test_interactivity_socket_mode_and_home_are_on() -> None:
    manifest = load()
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"]


def test_every_button_and_modal_has_a_handler() -> None:
    from bot.ids import Action, View

    assert {str(a) for a in Action} == registered().actions  # no dead buttons, no listener for none
    assert {str(v) for v in View} == registered().views
