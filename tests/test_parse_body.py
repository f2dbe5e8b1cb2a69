"""The fast body parser (bot/payloads.parse_slack_body) reads every body exactly as Bolt does."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body

from bot.payloads import is_ssl_check, parse_slack_body, request_kind
from bot.standin.driver import command_form, view_submission
from bot.views import build_idea_modal

FORM = "application/x-www-form-urlencoded"


def bolt(raw: bytes, content_type: str) -> object:
    """What Bolt makes of the body (decoded, then parsed) — but a form that mentions "payload" and
    has no `payload` field is read as its fields, where Bolt 1.x returns {} (see below)."""
    text = raw.decode("utf-8", errors="replace")
    parsed = parse_body(text, content_type)
    if parsed == {} and text and content_type != "application/json" and not text.startswith("{"):
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in fields:
            return fields
    return parsed


def same_as_bolt(raw: bytes, content_type: str = FORM) -> object:
    try:
        expected = bolt(raw, content_type)
    except ValueError:
        with pytest.raises(ValueError):
            parse_slack_body(raw, content_type)
        return None
    assert parse_slack_body(raw, content_type) == expected
    return expected


def test_a_view_submission_reads_as_bolt_reads_it() -> None:
    view = build_idea_modal().to_dict()
    answers = {"title": "Ünïcode — “quotes” & ampersands = equals + plus %41", "problem": "a\nb\r\nc\t<&>"}
    payload = view_submission(view, answers, user="U1")
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    parsed = same_as_bolt(body)
    assert parsed == payload
    assert parsed["view"]["state"]["values"]["title"]["title"]["value"] == answers["title"]


@pytest.mark.parametrize(
    "raw",
    [
        b"payload=%7B%22a%22%3A1%7D",
        b"payload=%7b%22a%22%3a1%7d",  # lower-case escapes
        b"payload=%7B%22a%22%3A%22x+y%22%7D",  # + is a space
        b"payload=%7B%22a%22%3A%22%25zz%22%7D",
        b"payload=%7B%22a%22%3A%22%zz%22%7D",  # a bad escape: left as it is, as urllib does
        b"payload=%7B%22a%22%3A%22x%22%7D%",  # a lone % at the end
        b"payload=%7B%22a%22%3A%22%E2%82%AC%22%7D",  # UTF-8
        b"payload=%7B%22a%22%3A%22%FF%FE%22%7D",  # not UTF-8: replacement characters
        b"payload=%7B%22a%22%3A%22=%22%7D",  # a raw =
        b"payload=%7B%22a%22%3A1%7D&x=2",  # another field
        b"payload=%7B%22a%22%3A%22\xc3%A9%22%7D",  # raw non-ASCII
        b"payload=%7B%22a%22%3A%22x=%0Ay%22%7D",
        b"payload=%7B%22a%22%3A%22x=\ny%22%7D",  # a raw line break after =
        b"payload=%5B1%2C2%5D",  # JSON, but not an object
        b"payload=not-json",
        b"payload=",
        b"token=x&command=%2Fidea&text=hello+world%21",
        b'{"type": "event_callback", "event": {"type": "app_mention"}}',
        b"",
    ],
)
def test_edge_cases_read_as_bolt_reads_them(raw: bytes) -> None:
    same_as_bolt(raw)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_in_a_payload_survives(text: str) -> None:
    body = urlencode({"payload": json.dumps({"text": text}, ensure_ascii=False)}).encode()
    assert same_as_bolt(body) == {"text": text}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([b"payload=", b"", b"payload=%7B%22a%22%3A%22"]))
def test_any_bytes_read_as_bolt_reads_them(tail: bytes, head: bytes) -> None:
    same_as_bolt(head + tail)
    same_as_bolt(head + quote(tail, safe="%=&+").encode())


# A slash command whose form says "payload" anywhere: in its text, its channel's or user's name,
# the workspace's domain.
MENTIONS_PAYLOAD = [
    command_form("payload tracking for the warehouse"),
    {**command_form("Returns take too long"), "channel_name": "payload-team"},
    {**command_form("Returns take too long"), "user_name": "payload.admin"},
    {**command_form("Returns take too long"), "team_domain": "payloadco"},
]


@pytest.mark.parametrize("form", MENTIONS_PAYLOAD)
def test_a_form_that_mentions_payload_is_read_as_its_fields(form: dict[str, str]) -> None:
    assert parse_slack_body(urlencode(form).encode(), FORM) == form


def test_bolts_payload_bug_is_still_there() -> None:
    """slack_bolt's parse_body still drops these forms (request/internals.py). When this fails Bolt
    is fixed: bot/payloads.parse_form_or_json can go back to calling it."""
    for form in MENTIONS_PAYLOAD:
        assert parse_body(urlencode(form), FORM) == {}


def test_ssl_check_is_recognised_and_nothing_else_is() -> None:
    assert is_ssl_check(b"ssl_check=1&token=legacy-verification-token", FORM)
    assert not is_ssl_check(b"ssl_check=0&token=x", FORM)
    assert not is_ssl_check(b'{"ssl_check": "1"}', "application/json")
    assert not is_ssl_check(urlencode(command_form("ssl_check=1")).encode(), FORM)


def test_a_requests_kind_names_ids_never_content() -> None:
    assert request_kind(command_form("secret plans", command="/other")) == "command /other"
    event = {"type": "event_callback", "event": {"type": "message", "subtype": "channel_join", "text": "hi Ann"}}
    assert request_kind(event) == "event_callback message/channel_join"
    actions = {"type": "block_actions", "actions": [{"action_id": "weird id<script>", "value": "private"}]}
    assert request_kind(actions) == "block_actions weird?id?script?"
    assert request_kind({"type": "view_closed", "view": {"callback_id": "other_modal"}}) == "view_closed other_modal"
    assert request_kind([1, 2]) == "unknown" and request_kind({}) == "unknown"
