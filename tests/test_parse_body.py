"""The fast body parser (bot/payloads.parse_slack_body) reads every body exactly as Bolt does."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body

from bot.payloads import parse_slack_body
from bot.standin.driver import view_submission
from bot.views import build_idea_modal

FORM = "application/x-www-form-urlencoded"


def bolt(raw: bytes, content_type: str) -> object:
    """What Bolt makes of the body (as the server gave it to Bolt before: decoded, then parsed)."""
    return parse_body(raw.decode("utf-8", errors="replace"), content_type)


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
