"""`ideabot demo`: the real app, the real gate and store, a local Slack stand-in, printed.

Nothing leaves this machine: the stand-in listens on 127.0.0.1 and the database is a temporary
SQLite file (or `--keep-db PATH`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bot.commands.demo_history import import_history
from bot.commands.digest import digest_text, write_chart
from bot.delivery.outbox import Backoff
from bot.runtime.server import RuntimeOptions
from bot.standin.llm import ChatCompletionsStandIn, ChatRequest
from bot.standin.local import IDEAS_CHANNEL, LEAD, LocalSlack, idea_answers
from bot.views.digest_blocks import render_digest
from bot.views.terminal import boxed, render_blocks

PEOPLE = {
    "U0000USER1": "Priya (support)",
    "U0000USER2": "Tom (IT)",
    "U0000USER3": "Ana (ops)",
    LEAD: "Sam (triage lead)",
}


# Reworded from two requests in a public chat app's tracker (the later closed as a duplicate of
# the earlier): the same problem in words that barely overlap, found by meaning.
REAL_DUPLICATE = (
    (
        "U0000USER2",
        "Are read receipts available?",
        "Is there any way to know if a message I sent to a customer has actually been read by them?",
    ),
    (
        "U0000USER3",
        "How to find out whether the person read the message or not",
        "How do we find out if someone has read the messages or not? Does any option show that..?",
    ),
)


# The language-model stand-in's canned answers (a real model connected with LLM_* writes its own).
CANNED = {
    "Kubernetes": "Engineers deploy every service by hand, server by server, so each release takes a long time and "
    "fixes reach customers later than they should.",
    "onboarding": "New hires can't do real work in their first days because what they need is not ready when "
    "they arrive.",
}


def _canned(request: ChatRequest) -> str:
    sent = request.messages[-1].get("content", "") if request.messages else ""
    return next((answer for word, answer in CANNED.items() if word.lower() in str(sent).lower()), "")


def _say(text: str = "") -> None:
    print(text, flush=True)


def _errors(reply) -> dict[str, str]:
    body = reply.json() if reply.body.strip() else {}
    return body.get("errors", {}) if body.get("response_action") == "errors" else {}


async def _submit(slack: LocalSlack, who: str, answers: dict, *, keep_after_coaching: bool = True) -> None:
    _say(f"\n▶ {PEOPLE[who]} submits “{answers['title']}”")
    _say(f"  problem: {answers['problem']}")
    view = await slack.open_modal(user=who)
    reply = await slack.submit(view, answers, user=who)
    errors = _errors(reply)
    if not errors:
        _say("  ✓ accepted: the modal closes, the idea is stored, the card and a receipt are on their way")
        return
    for block, message in errors.items():
        _say(boxed(f"Slack shows under “{block}”", message))
    await _suggestion(slack, view)
    if keep_after_coaching:
        _say("  … they submit the same text again, unchanged")
        again = await slack.submit(view, answers, user=who)
        _say("  ✓ accepted and flagged" if not _errors(again) else f"  ✗ still refused: {_errors(again)}")


async def _suggestion(slack: LocalSlack, view: dict) -> None:
    """Show the open modal's suggested wording, once the language-model stand-in has answered."""
    if slack.settings is None or not slack.settings.llm_enabled:
        return
    await slack.settle()
    blocks = slack.standin.views[view["id"]]["blocks"]
    offer = [b for b in blocks if b.get("block_id") == "coach_suggestion"]
    if offer:
        title = "A moment later the open modal shows (from the language-model STAND-IN, bot/standin/llm.py)"
        _say(boxed(title, render_blocks(offer)))


async def _decide(slack: LocalSlack, idea_id: int, action: str, reason: str) -> None:
    opened = len(slack.standin.calls_to("views.open"))
    await slack.click_card(idea_id, action, user=LEAD)
    view = await slack.modal_after(opened)
    await slack.submit(view, {"reason": reason}, user=LEAD)


async def _assign(slack: LocalSlack, idea_id: int, *, sponsor: str) -> None:
    opened = len(slack.standin.calls_to("views.open"))
    await slack.click_card(idea_id, "triage_assign", user=LEAD)
    view = await slack.modal_after(opened, updated=True)
    await slack.submit(view, {"sponsor": sponsor}, user=LEAD)


def default_chart_path() -> Path:
    """Where the demo writes the digest's chart unless told (`ideabot demo --chart FILE.png`)."""
    return Path(tempfile.gettempdir()) / "ideabot-demo-chart.png"


async def run_demo(*, keep_db: str | None = None, chart: str | None = None) -> int:
    """Run the demo; returns the process exit status."""
    workdir = Path(tempfile.mkdtemp(prefix="ideabot-demo-"))
    db_path = Path(keep_db) if keep_db else workdir / "demo.db"
    options = RuntimeOptions(outbox_poll_interval=0.05, outbox_backoff=Backoff(base=0.1, cap=1.0))
    model = ChatCompletionsStandIn(reply=_canned)
    await model.start()
    model_settings = {"llm_base_url": model.url, "llm_model": "standin-rewriter", "llm_api_key": "sk-standin"}
    try:
        async with LocalSlack(db_path, options=options, **model_settings) as slack:
            _say("ideabot demo — the real app and a stand-in for Slack on 127.0.0.1; nothing leaves this machine.")
            _say(
                "A stand-in for a language model (LLM_BASE_URL) runs on 127.0.0.1 too: its suggested wordings are "
                "canned, to show where a connected model's would appear."
            )
            _say(f"Database: {db_path}")

            await _submit(slack, "U0000USER1", idea_answers())
            await _submit(
                slack,
                "U0000USER2",
                idea_answers(
                    title="Kubernetes for everything",
                    affected="Engineering",
                    problem="We need Kubernetes for all of our services this year",
                    evidence="",
                    business_value="",
                    solution="Move every service to a managed Kubernetes cluster",
                    origin="technology",
                    kind="adopt",
                ),
            )
            await _submit(
                slack,
                "U0000USER3",
                idea_answers(
                    title="Better onboarding",
                    affected="New hires",
                    problem="Improve the onboarding experience for everyone",
                    evidence="",
                    business_value="",
                    solution="",
                ),
                keep_after_coaching=False,
            )
            _say("  … Ana restates it with the actual problem")
            view = await slack.open_modal(user="U0000USER3")
            await slack.submit(
                view,
                idea_answers(
                    title="New hires sit idle for three days",
                    affected="New hires and their managers",
                    problem="New hires wait three days for a laptop and accounts because IT hears about them "
                    "from a forwarded email, so their first week is mostly idle.",
                    evidence="Last quarter: 11 of 14 starters had no laptop on day one",
                    business_value="About 20 lost working days a quarter, and a poor first impression",
                    solution="",
                ),
                user="U0000USER3",
            )
            _say("  ✓ accepted")
            _say("\n▶ Priya uses “Capture as idea” on a customer's message in #support")
            view = await slack.capture_message(
                "Honestly I've called three times this week to find out where my parcel is.",
                user="U0000USER1",
                channel="C0000SUPPT",
            )
            await slack.submit(
                view,
                idea_answers(
                    title="Where-is-my-order calls keep coming",
                    affected="Support team and online customers",
                    problem="Online customers keep calling support to ask where their order is, about 40 calls "
                    "a day, and each call takes agents 4 minutes checking two systems.",
                    solution="Honestly I've called three times this week to find out where my parcel is.",
                ),
                user="U0000USER1",
            )
            _say("  ✓ accepted — ideabot notices it is the same problem as IDEA-1")
            await slack.settle()

            _say("\n▶ The same request in other words: a real pair from a public chat tracker, where the")
            _say("  maintainers closed the later one as a duplicate (both reworded; they share almost no words)")
            for who, title, problem in REAL_DUPLICATE:
                await _submit(
                    slack, who, idea_answers(title=title, affected="Staff who message customers", problem=problem)
                )
            await slack.settle()
            later = (await slack.store.recent_ideas(limit=1))[0]
            data = await slack.store.card_data(idea_id=later.id or 0)
            named = ", ".join(f"IDEA-{i.id}" for i in data.similar) if data else ""
            _say(f"  ✓ IDEA-{later.id}'s card and receipt name {named or 'nothing'} as possibly the same problem")

            _say("\n▶ The triage lead works through the queue")
            await _decide(slack, 1, "triage_accept", "Clear problem, real numbers: let's do it")
            await _assign(slack, 1, sponsor="U0000USER3")
            await _decide(slack, 4, "triage_needs_problem", "Who calls, how often, and what does it cost us?")
            for fan in ("U0000USER2", "U0000USER3"):
                await slack.click_card(1, "support", user=fan)
            _say(
                "  ✓ IDEA-1 accepted (sponsor set, no tech partner yet), IDEA-4 sent back for a clearer problem, "
                "two people support IDEA-1"
            )
            await slack.settle()

            _say("\n" + "═" * 90)
            _say(f"What the ideas channel ({IDEAS_CHANNEL}) shows")
            channel = slack.standin.channel_messages(IDEAS_CHANNEL)
            for message in (m for m in channel if not m.thread_ts):
                _say(boxed(f"card · ts {message.ts}", render_blocks(message.blocks)))
                for reply in (m for m in channel if m.thread_ts == message.ts):
                    _say(boxed("  reply in its thread", render_blocks(reply.blocks)))
            _say("\nDirect messages (receipts)")
            for call in slack.standin.calls_to("chat.postMessage"):
                if call.args["channel"] in PEOPLE:
                    _say(boxed(f"to {PEOPLE[call.args['channel']]}", render_blocks(call.args["blocks"])))
            _say("\n/idea list, as Priya sees it (only to her)")
            reply = await slack.slack.command("list", user="U0000USER1")
            _say(boxed("ephemeral", render_blocks(reply.json()["blocks"])))
            ideas = await slack.store.recent_ideas(limit=100)
            flagged = sum(1 for i in ideas if i.problem_is_solution or i.problem_is_vague)
            cards = sum(1 for m in slack.standin.channel_messages(IDEAS_CHANNEL) if not m.thread_ts)
            _say(f"\n{len(ideas)} ideas stored, {flagged} flagged by the problem gate, {cards} cards posted.")

            assert slack.runtime is not None and slack.runtime.digests is not None and slack.settings is not None
            this_week = slack.runtime.digests.current_period().start
            earlier = await import_history(slack.settings, workdir, before=this_week)
            _say(
                f"\n▶ The team's old ideas spreadsheet is imported too (`ideabot import`, every row through the "
                f"problem gate):\n  {earlier} ideas from the eleven weeks before this one, so the digest has weeks to "
                "compare (they carry no decision history)"
            )
            _say("\n" + "═" * 90)
            _say("The weekly digest leadership would get (ideabot digest --preview shows the same)")
            digest = await slack.runtime.digests.compose(slack.runtime.digests.current_period())
            _say(digest_text(render_digest(digest)))
            _say("\n" + write_chart(digest, chart or default_chart_path()))
            _say(
                "In Slack it is uploaded to the digest channel right after the digest (DIGEST_CHART=false: text only)."
            )
    finally:
        await model.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
