"""Escaping and truncation of user text for mrkdwn."""

from __future__ import annotations

from bot.views.slack_text import ELLIPSIS, escape, link, mrkdwn, truncate, user_mention


def test_escape_turns_every_control_character_into_an_entity() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape("&amp;") == "&amp;amp;"  # pre-escaped text is shown as typed


def test_mrkdwn_truncates_on_the_escaped_form_without_splitting_an_entity() -> None:
    out = mrkdwn("<" * 3000, 3000)
    assert len(out) <= 3000 and out.endswith(ELLIPSIS)
    assert out[:-1].replace("&lt;", "") == ""


def test_truncate_keeps_short_text_and_marks_cuts() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("a" * 20, 10) == "a" * 9 + ELLIPSIS


def test_non_bmp_characters_survive() -> None:
    assert mrkdwn("🙂" * 5, 3) == "🙂🙂" + ELLIPSIS


def test_mentions_and_links_only_from_trusted_values() -> None:
    assert user_mention("U0123ABC") == "<@U0123ABC>"
    assert user_mention("<!channel>") == "&lt;!channel&gt;"
    assert (
        link("https://x.slack.com/archives/C1/p1", "IDEA-1: <b>")
        == "<https://x.slack.com/archives/C1/p1|IDEA-1: &lt;b&gt;>"
    )
    assert link("javascript:alert(1)", "x") == "x"
    assert link("https://evil.example|click>", "x") == "x"
