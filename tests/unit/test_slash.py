"""Parsing `/idea …`."""

from __future__ import annotations

import pytest

from bot.domain.slash import Ask, parse_idea_command


@pytest.mark.parametrize(
    ("text", "ask", "extra"),
    [
        ("", Ask.SUBMIT, ""),
        ("   ", Ask.SUBMIT, ""),
        ("help", Ask.HELP, ""),
        ("HELP", Ask.HELP, ""),
        ("list", Ask.LIST, ""),
        ("mine", Ask.MINE, ""),
        ("search laptop onboarding", Ask.SEARCH, "laptop onboarding"),
        ("search", Ask.USAGE, ""),
        ("show IDEA-42", Ask.SHOW, ""),
        ("show idea 42", Ask.SHOW, ""),
        ("show #42", Ask.SHOW, ""),
        ("show banana", Ask.USAGE, ""),
        ("stats", Ask.UNKNOWN, "stats"),
        ("Customers can't see their orders", Ask.SUBMIT, "Customers can't see their orders"),
        ("list of onboarding steps is too long", Ask.SUBMIT, "list of onboarding steps is too long"),
        ("Kubernetes", Ask.SUBMIT, "Kubernetes"),
    ],
)
def test_parse(text: str, ask: Ask, extra: str) -> None:
    request = parse_idea_command(text)
    assert request.ask is ask
    if ask in (Ask.SEARCH, Ask.SUBMIT, Ask.UNKNOWN):
        assert request.text == extra


def test_show_reads_the_reference() -> None:
    assert parse_idea_command("show IDEA-42").idea_id == 42
    assert parse_idea_command("search").usage == "search"
