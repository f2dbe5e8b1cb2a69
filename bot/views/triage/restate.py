"""The restate modal (pure): the submitter restates who has the problem and what it is, with tailored
advice; `build_restate_modal` builds it and `read_restate_form` reads it back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot.domain.coach import restate_advice
from bot.domain.problem import read_problem
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.views import idea_link
from bot.views.slack_text import mrkdwn, one_line, truncate
from bot.views.triage.context import TriageContext, form_values, text_value
from models.tables import Idea


def idea_advice(idea: Idea) -> str:
    """The tailored advice (bot/domain/coach.py) for restating an idea's problem, as mrkdwn."""
    return restate_advice(
        title=idea.title, affected=idea.affected, problem=idea.problem, has_number=read_problem(idea.problem).has_number
    )


def build_restate_modal(context: TriageContext, idea: Idea, note: str) -> View:
    """The submitter restates the problem; prefilled with the current wording."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"{idea_link(idea)}")),
    ]
    if note:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"*The triage lead asks:*\n>{mrkdwn(one_line(note), 1500)}"))
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=idea_advice(idea))))
    blocks += [
        InputBlock(
            block_id=B.AFFECTED,
            label="Who has the problem?",
            element=PlainTextInputElement(
                action_id=B.AFFECTED, initial_value=truncate(idea.affected, 300) or None, max_length=300
            ),
        ),
        InputBlock(
            block_id=B.PROBLEM,
            label="What problem do they have?",
            element=PlainTextInputElement(
                action_id=B.PROBLEM,
                multiline=True,
                initial_value=truncate(idea.problem, 3000) or None,
                max_length=3000,
                placeholder="The pain, not the fix: what goes wrong today, how often, what it costs",
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ViewId.RESTATE,
        title="Restate the problem",
        submit="Send",
        close="Cancel",
        private_metadata=context.encode(),
        blocks=blocks,
    )


@dataclass(frozen=True)
class RestatedProblem:
    """What the restate modal was submitted with."""

    affected: str
    problem: str


def read_restate_form(view: Mapping[str, Any]) -> RestatedProblem:
    """Who has the problem and what it is, as submitted (a suggested rewrite's field included)."""
    values = form_values(view)
    problem = text_value(values, B.PROBLEM) or text_value(values, B.PROBLEM_REWORDED)
    return RestatedProblem(affected=text_value(values, B.AFFECTED), problem=problem)
