"""What `/idea` answers (lists, an idea's details, help and usage) and the App Home shows (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.ideas import idea_ref
from bot.ids import Action
from bot.views.blocks import MESSAGE_BLOCKS_MAX, SECTION_MAX, VIEW_BLOCKS_MAX, Message
from bot.views.card import build_idea_card, idea_link, status_text
from bot.views.slack_text import ELLIPSIS, escape, mrkdwn, truncate
from models.store import CardData
from models.tables import Idea


def _idea_line(idea: Idea) -> str:
    return f"{idea_link(idea)} · {status_text(idea.status)}"


def build_idea_list(heading: str, ideas: Sequence[Idea], *, empty: str) -> Message:
    """An ephemeral list of ideas (recent, mine, search results)."""
    if not ideas:
        return Message(text=empty, blocks=[SectionBlock(text=MarkdownTextObject(text=empty))])
    lines = [_idea_line(i) for i in ideas]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape(heading)}*"))]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > SECTION_MAX - 10:
            blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
    return Message(text=f"{heading}: {len(ideas)} idea{'s' * (len(ideas) != 1)}", blocks=blocks[:MESSAGE_BLOCKS_MAX])


def build_idea_detail(data: CardData, *, extras: Sequence[Block | dict[str, Any]] = ()) -> Message:
    """`/idea show IDEA-42`: the card's content plus `extras` (history, replies), answered ephemerally."""
    card = build_idea_card(data)
    return Message(text=card.text, blocks=[*card.blocks, *extras][:MESSAGE_BLOCKS_MAX])


HELP_TEXT = (
    "*ideabot* — every idea starts with the problem it solves.\n"
    "• `/idea` — submit an idea (`/idea some title` prefills the title)\n"
    "• `/idea list` — the latest ideas\n"
    "• `/idea mine` — your ideas and their status\n"
    "• `/idea search WORDS` — find ideas by their words\n"
    "• `/idea show IDEA-42` — one idea in full, with its decisions and replies\n"
    "• `/idea merge IDEA-7 into IDEA-3` — triage leads: merge a duplicate\n"
    "• `/idea help` — this message\n"
    "You can also use the *Capture as idea* message shortcut, the *Submit an idea* shortcut, "
    "or the button on ideabot's Home tab."
)

USAGE = {
    "search": "Tell me what to look for, e.g. `/idea search onboarding laptop`.",
    "show": "Give me an idea reference, e.g. `/idea show IDEA-42`.",
    "merge": "Name both ideas, e.g. `/idea merge IDEA-7 into IDEA-3` (IDEA-7 goes into IDEA-3).",
}


def _submit_button(label: str = "Submit an idea", value: str = "") -> ButtonElement:
    return ButtonElement(
        text=label, action_id=Action.OPEN_IDEA_MODAL, value=truncate(value, 150) or "open", style="primary"
    )


def build_help() -> Message:
    """`/idea help`."""
    return Message(
        text="How to use /idea",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=HELP_TEXT)),
            ActionsBlock(elements=[_submit_button()]),
        ],
    )


def build_usage(which: str) -> Message:
    """How to use one subcommand."""
    text = USAGE.get(which, HELP_TEXT)
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def build_unknown_subcommand(word: str) -> Message:
    """An answer for `/idea WORD` when WORD is not a subcommand: help, plus a way to use it as a title."""
    shown = mrkdwn(word, 40)
    text = (
        f"`{shown}` isn't an `/idea` command. Try `/idea help`, or submit an idea titled “{shown}”.\n"
        "Commands: `list` · `mine` · `search WORDS` · `show IDEA-42` · `merge IDEA-7 into IDEA-3` · `help`"
    )
    return Message(
        text=f"'{truncate(word, 40)}' isn't an /idea command",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=text)),
            ActionsBlock(elements=[_submit_button(f"Submit “{truncate(word, 40)}”", value=word)]),
        ],
    )


def build_not_found(idea_id: int) -> Message:
    """An idea reference that does not exist."""
    text = f"There is no {idea_ref(idea_id)}. `/idea list` shows the latest ideas."
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


# --- App Home --------------------------------------------------------------------------------


HOME_IDEAS_MAX = 20  # the submitter's own ideas the Home tab lists


def build_home(*, ideas: Sequence[Idea], queue: Sequence[Block] | None = None) -> View:
    """The App Home tab: a button to submit, the person's own ideas, and for leads the triage `queue`."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Ideas start with a problem")),
        SectionBlock(
            text=MarkdownTextObject(
                text="Tell us who struggles, with what, and what it costs — leads triage every idea in "
                "its thread and you'll hear what happened to it."
            ),
            accessory=_submit_button(),
        ),
        DividerBlock(),
        HeaderBlock(text=PlainTextObject(text="Your ideas")),
    ]
    if not ideas:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text="You haven't submitted any ideas yet. Got a problem worth solving?")
            )
        )
    for idea in list(ideas)[:HOME_IDEAS_MAX]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_idea_line(idea))))
    if len(ideas) > HOME_IDEAS_MAX:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{ELLIPSIS} and more: `/idea mine` lists them all.")])
        )
    if queue is not None:
        blocks += [
            DividerBlock(),
            HeaderBlock(text=PlainTextObject(text="Triage queue")),
            ContextBlock(elements=[MarkdownTextObject(text="New and needs-problem ideas, oldest first.")]),
            *queue,
        ]
    return View(type="home", blocks=blocks[:VIEW_BLOCKS_MAX])
