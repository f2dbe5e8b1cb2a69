"""Block Kit builders (pure): modals, idea cards, receipts, the App Home and `/idea` answers.

Everything is built with slack_sdk's model classes, whose `to_dict()` checks Slack's limits;
every user string goes through `bot.slack_text` before it reaches mrkdwn. This module also reads
the idea modal back (`read_idea_form`): it is the one place that knows the modal's block ids.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain import IdeaDraft, Kind, Origin, SourceMessage, Status, idea_ref
from bot.ids import Action
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.slack_text import ELLIPSIS, escape, link, mrkdwn, one_line, truncate, user_mention
from models.store import CardData
from models.tables import Idea

# Slack's limits we design around (checked again by slack_sdk on to_dict and by the test stand-in).
TITLE_MAX = 150  # the modal's title input, and a header block's text
INPUT_MAX = 3000  # plain_text_input max_length
SECTION_MAX = 3000
FIELD_MAX = 2000
FALLBACK_MAX = 300  # the notification text of a message; Slack allows 40k, people read ~1 line
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
HOME_IDEAS_MAX = 20


@dataclass(frozen=True)
class Message:
    """A message body: the `text` fallback (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[Block | dict[str, Any]]  # slack_sdk models, or Block Kit JSON already (see below)

    def as_kwargs(self) -> dict[str, Any]:
        """Arguments for chat.postMessage / chat.update / chat.postEphemeral / ack()."""
        return {"text": self.text, "blocks": [b if isinstance(b, dict) else b.to_dict() for b in self.blocks]}


# --- Block Kit as plain JSON -----------------------------------------------------------------
# The card (on every submission and every change) and the receipt are written as JSON directly:
# slack_sdk's models check and convert every object on `to_dict()`, measured at 0.5 ms of the
# card's 0.63 ms. The tests parse these with slack_sdk's models and require the same JSON back
# (tests/unit/test_views.py), and the stand-in checks Slack's limits.


def md(text: str) -> dict[str, Any]:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    """A plain_text object (emoji shortcodes shown as emoji, as slack_sdk's default)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> dict[str, Any]:
    """A section block of mrkdwn text."""
    return {"type": "section", "text": md(text)}


def context(lines: Sequence[str]) -> dict[str, Any]:
    """A context block, one mrkdwn element a line."""
    return {"type": "context", "elements": [md(line) for line in lines]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button element."""
    element = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


# --- the idea modal ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModalContext:
    """What the modal carries in private_metadata between opening and submission."""

    source: SourceMessage | None = None

    def encode(self) -> str:
        """JSON for private_metadata (≤ 3000 characters)."""
        data: dict[str, Any] = {}
        if self.source:
            data["src"] = [self.source.channel, self.source.ts]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: object) -> ModalContext:
        """Read private_metadata back; anything unexpected yields an empty context."""
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            return cls()
        src = data.get("src") if isinstance(data, dict) else None
        if isinstance(src, list) and len(src) == 2 and all(isinstance(x, str) and x for x in src):
            return cls(source=SourceMessage(channel=src[0], ts=src[1]))
        return cls()


def _text_input(
    block_id: str,
    label: str,
    *,
    placeholder: str,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    max_length: int = INPUT_MAX,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            placeholder=placeholder,
            initial_value=truncate(initial, max_length) if initial else None,
            multiline=multiline,
            max_length=max_length,
        ),
    )


def _radio(block_id: str, label: str, options: Sequence[tuple[str, str]], initial: str | None) -> InputBlock:
    choices = [Option(value=value, text=text) for value, text in options]
    selected = next((o for o in choices if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=label,
        element=RadioButtonsElement(action_id=block_id, options=choices, initial_option=selected),
    )


def build_idea_modal(*, draft: IdeaDraft | None = None, context: ModalContext | None = None) -> View:
    """The idea modal: the problem before the solution, block ids as in PRODUCT.md."""
    d = draft or IdeaDraft(title="", affected="", problem="")
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Start with the *problem*: who struggles, with what, and what it costs. "
                "The fix comes last — leads can often find a better one once the problem is clear."
            )
        ),
        _text_input(
            B.TITLE,
            "Idea in one line",
            placeholder="e.g. Customers can't see where their order is",
            initial=d.title,
            max_length=TITLE_MAX,
        ),
        _text_input(
            B.AFFECTED,
            "Who has the problem?",
            placeholder="A customer segment, a team or a role",
            initial=d.affected,
            max_length=300,
        ),
        _text_input(
            B.PROBLEM,
            "What problem do they have?",
            placeholder="The pain, not the fix: what goes wrong today, how often, what it costs",
            initial=d.problem,
            multiline=True,
        ),
        _text_input(
            B.EVIDENCE,
            "How do we know?",
            placeholder="Quotes, numbers, ticket links",
            initial=d.evidence,
            multiline=True,
            optional=True,
        ),
        _text_input(
            B.BUSINESS_VALUE,
            "What changes for the business if we solve it?",
            placeholder="Revenue, cost, risk, customer or staff time",
            initial=d.business_value,
            multiline=True,
            optional=True,
        ),
        _text_input(
            B.SOLUTION,
            "Your proposed solution",
            placeholder="Optional: how you would solve it",
            initial=d.solution,
            multiline=True,
            optional=True,
        ),
        _radio(B.ORIGIN, "What sparked this?", [(o.value, o.label) for o in Origin], d.origin),
        _radio(B.KIND, "New or adopted?", [(k.value, k.label) for k in Kind], d.kind),
    ]
    return View(
        type="modal",
        callback_id=ViewId.IDEA,
        title="Submit an idea",
        submit="Submit",
        close="Cancel",
        blocks=blocks,
        private_metadata=(context or ModalContext()).encode(),
    )


@functools.lru_cache(maxsize=256)
def idea_modal(draft: IdeaDraft | None = None, context: ModalContext | None = None) -> dict[str, Any]:
    """`build_idea_modal` as the dict Slack receives, checked once and remembered.

    Building and checking the modal with slack_sdk's models costs more than everything else
    `/idea` does; the modal depends only on these two frozen values, so each is built once.
    The dict is shared: treat it as read-only.
    """
    return build_idea_modal(draft=draft, context=context).to_dict()


def _value(values: Mapping[str, Any], block_id: str) -> str:
    block = values.get(block_id)
    element = block.get(block_id) if isinstance(block, Mapping) else None
    if not isinstance(element, Mapping):
        return ""
    value = element.get("value")
    if isinstance(value, str):
        return value.strip()
    selected = element.get("selected_option")
    if isinstance(selected, Mapping) and isinstance(selected.get("value"), str):
        return selected["value"]
    return ""


def read_idea_form(view: Mapping[str, Any]) -> IdeaDraft:
    """The draft a person submitted; missing or malformed fields read as empty."""
    state = view.get("state") if isinstance(view, Mapping) else None
    values = state.get("values") if isinstance(state, Mapping) else None
    values = values if isinstance(values, Mapping) else {}
    origin = _value(values, B.ORIGIN)
    kind = _value(values, B.KIND)
    return IdeaDraft(
        title=_value(values, B.TITLE),
        affected=_value(values, B.AFFECTED),
        problem=_value(values, B.PROBLEM) or _value(values, B.PROBLEM_REWORDED),
        evidence=_value(values, B.EVIDENCE),
        business_value=_value(values, B.BUSINESS_VALUE),
        solution=_value(values, B.SOLUTION),
        origin=Origin(origin) if origin in Origin._value2member_map_ else None,
        kind=Kind(kind) if kind in Kind._value2member_map_ else None,
    )


def missing_choices(draft: IdeaDraft) -> dict[str, str]:
    """Inline errors for radio questions left unanswered (Slack enforces them, but payloads vary)."""
    errors = {}
    if draft.origin is None:
        errors[B.ORIGIN] = "Pick what sparked this idea."
    if draft.kind is None:
        errors[B.KIND] = "Pick whether this is something new or something that exists."
    if not draft.title:
        errors[B.TITLE] = "Give the idea a one-line title."
    return errors


# --- the idea card -------------------------------------------------------------------------


def _status_text(status: str) -> str:
    try:
        s = Status(status)
    except ValueError:
        return escape(status)
    return f"{s.emoji} {s.label}"


def idea_link(idea: Idea, *, with_title: bool = True, title_max: int = 80) -> str:
    """`IDEA-42: title` linked to the idea's card when it has one."""
    assert idea.id is not None
    label = idea_ref(idea.id) + (f": {truncate(one_line(idea.title), title_max)}" if with_title else "")
    return link(idea.card_permalink, label) if idea.card_permalink else escape(label)


def flag_lines(idea: Idea) -> list[str]:
    """The gate's flags, in words a reader understands."""
    lines = []
    if idea.problem_is_solution:
        quote = f": “{mrkdwn(idea.gate_quote, 200)}”" if idea.gate_quote else ""
        lines.append(f":warning: The problem reads like a solution{quote}")
    if idea.problem_is_vague:
        lines.append(":warning: The problem is vague")
    return lines


def build_idea_card(data: CardData, *, actions: Sequence[Block | dict[str, Any]] = ()) -> Message:
    """The card posted in the ideas channel (and updated in place), with `actions` at the bottom."""
    idea = data.idea
    assert idea.id is not None
    ref = idea_ref(idea.id)
    title = one_line(idea.title)
    blocks: list[Block | dict[str, Any]] = [
        section(f"*{ref}* · *{mrkdwn(title, TITLE_MAX)}*"),
        {
            "type": "section",
            "fields": [
                md(f"*Who is affected*\n{mrkdwn(idea.affected, FIELD_MAX - 40)}"),
                md(f"*Status*\n{_status_text(idea.status)}"),
            ],
        },
        section(f"*Problem*\n{mrkdwn(idea.problem, 1800)}"),
    ]
    value = mrkdwn(idea.business_value, 900) if idea.business_value else "_Not stated_"
    blocks.append(section(f"*Business value*\n{value}"))
    if idea.evidence:
        blocks.append(section(f"*Evidence*\n{mrkdwn(idea.evidence, 600)}"))
    if idea.solution:
        blocks.append(section(f"*Proposed solution*\n{mrkdwn(idea.solution, 900)}"))

    origin = Origin(idea.origin).tag if idea.origin in Origin._value2member_map_ else escape(idea.origin)
    kind = Kind(idea.kind).tag if idea.kind in Kind._value2member_map_ else escape(idea.kind)
    meta = [f"`{origin}` `{kind}`", f"by {user_mention(idea.submitter_id)}"]
    if idea.source_permalink:
        meta.append(link(idea.source_permalink, "from a message"))
    meta.append(f":raised_hands: {data.supporters} supporter{'s' if data.supporters != 1 else ''}")
    if data.score_count:
        meta.append(
            f":bar_chart: {data.score_average:.1f}/5 from {data.score_count} lead{'s' * (data.score_count > 1)}"
        )
    if idea.sponsor_id:
        meta.append(f"sponsor {user_mention(idea.sponsor_id)}")
    if idea.partner_id:
        meta.append(f"tech partner {user_mention(idea.partner_id)}")
    lines: list[str] = [" · ".join(meta)]
    lines.extend(flag_lines(idea))
    if data.similar:
        lines.append(":mag: Similar to " + ", ".join(idea_link(i, title_max=60) for i in data.similar))
    if data.merged_into is not None:
        lines.append(f":twisted_rightwards_arrows: Merged into {idea_link(data.merged_into)}")
    blocks.append(context(lines))
    blocks.extend(actions)

    fallback = f"{ref}: {truncate(title, 120)} — {truncate(one_line(idea.problem), 160)}"
    return Message(text=mrkdwn(fallback, FALLBACK_MAX), blocks=blocks)


def build_receipt(data: CardData, *, card_queued: bool = False) -> Message:
    """The DM a submitter gets once the card is posted (or while Slack's pace still holds it)."""
    idea = data.idea
    assert idea.id is not None
    ref = idea_ref(idea.id)
    if idea.card_permalink:
        where = link(idea.card_permalink, "See the card")
    elif card_queued:
        where = f"Its card will be in the ideas channel shortly; `/idea show {ref}` has it now"
    else:
        where = "It is in the ideas channel"
    lines = [
        f":bulb: Thanks — *{ref}* “{mrkdwn(one_line(idea.title), TITLE_MAX)}” is in. {where}.",
        "Triage leads review new ideas in the card's thread; you'll get a message here when its status "
        "changes. Use `/idea mine` to see all your ideas.",
    ]
    flags = flag_lines(idea)
    if flags:
        lines.append("\n".join(flags) + "\n_Leads may ask you to restate the problem._")
    blocks: list[Block | dict[str, Any]] = [section(lines[0] + "\n" + lines[1])]
    if len(lines) > 2:
        blocks.append(section(lines[2]))
    if data.similar:
        named = "; ".join(f"{idea_link(i)} ({_status_text(i.status)})" for i in data.similar)
        opening = "A similar idea already exists" if len(data.similar) == 1 else "Similar ideas already exist"
        blocks.append(
            section(
                f":mag: {opening}: {named}. They may state the same problem in other words: leads may merge "
                "them, and your support counts either way."
            )
        )
    text = f"Thanks — {ref} “{truncate(one_line(idea.title), 100)}” is in."
    return Message(text=mrkdwn(text, FALLBACK_MAX), blocks=blocks)


# --- lists, details, help --------------------------------------------------------------------


def _idea_line(idea: Idea) -> str:
    return f"{idea_link(idea)} · {_status_text(idea.status)}"


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
