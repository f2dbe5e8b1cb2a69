"""CSV import and export: real `ideabot import` / `ideabot export` processes on real databases, and
imported cards posted through the running bot's outbox (the pure parts: tests/unit/test_spreadsheet_rows.py).
Tests that run many imports call the commands' functions in this process (`command`), which saves a
second of start-up each; the command line itself is driven as a process by the others."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.spreadsheet import export_ideas, import_ideas
from bot.commands.spreadsheet.export import EXPORT_COLUMNS
from bot.commands.spreadsheet.rows import import_key
from bot.config import Settings
from bot.domain.ideas import IdeaDraft
from bot.standin.local import IDEAS_CHANNEL, LocalSlack
from models.schema import prepare_schema
from models.store import ExportedIdea, GateFlags, Store
from tests.conftest import FAST
from tests.databases import database_url
from tests.processes import ideabot
from tests.unit.test_spreadsheet_rows import GOOD_PROBLEM

MESSY = (
    "\ufeffIdea;Who is affected?;Pain point;Business value;Proposed solution;Status;Submitted by;Created;Priority\n"
    f"Order tracking;Online customers;{GOOD_PROBLEM};2 hours a day;A tracking page;Open;U0123ABCD;2025-03-04;High\n"
    "Buy Salesforce;Sales team;We should buy Salesforce for the sales team;;Salesforce;New;U0123ABCD;;Low\n"
    "Pick lists;Warehouse staff;;;;New;U0123ABCD;;\n"
    'Returns at Leeds;Store staff at Leeds;"Returns take 20 minutes each because staff re-enter every item\n'
    'by hand into two systems.";Faster returns;"=HYPERLINK(""http://x.test"",""click"")";Blocked;Jane Doe;;Mid\n'
    "Invoices;Finance team;Invoices are typed twice, so finance loses about 6 hours every week;;;Done;U0123ABCD;;\n"
    f"order  tracking;Online customers;{GOOD_PROBLEM};;;;;;\n"
    ";;;;;;;;\n"
    "Better UI;Everyone;Improve the user interface and the general experience;;;;;;\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def summary(stdout: str, name: str) -> str:
    match = re.search(rf"^  {name}: (.*)$", stdout, re.MULTILINE)
    assert match, f"no {name!r} in:\n{stdout}"
    return match.group(1)


async def command(*args: str, DATABASE_URL: str) -> subprocess.CompletedProcess:
    """`ideabot import [--dry-run] [--accept-flagged] FILE` or `ideabot export FILE`, run by the
    functions behind them in this process, with what they print and their exit status."""
    settings = Settings.from_env({"DATABASE_URL": DATABASE_URL}, need_slack=False)
    name, *rest = args
    flags, path = {flag.removeprefix("--").replace("-", "_"): True for flag in rest[:-1]}, rest[-1]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if name == "import":
            status = await import_ideas(settings, path, **flags)
        else:
            assert name == "export" and not flags
            status = await export_ideas(settings, path)
    return subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())


async def stored(url: str) -> list[ExportedIdea]:
    store = Store.from_url(url)
    try:
        await prepare_schema(store)
        return await store.export_batch(limit=10_000)
    finally:
        await store.close()


async def test_a_messy_spreadsheet_imports_its_good_rows_and_reports_the_rest_by_line(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    result = await ideabot("import", str(write(tmp_path / "ideas.csv", MESSY)), DATABASE_URL=url)

    assert result.returncode == 1, result.stderr  # some rows were rejected
    out = result.stdout
    assert "separated by semicolons" in out and "Traceback" not in result.stderr
    assert "“Pain point” → problem" in out and "“Submitted by” → submitter" in out
    assert "  line 3: problem: This reads like a solution (“We should buy Salesforce for the sales team”).\n" in out
    assert "  line 4: the problem is empty\n" in out
    assert "  line 10 (row 9): problem: This is hard to act on" in out  # the Leeds cell spans two lines
    assert "status not known to ideabot: imported as New — 1 row: line 5 (“Blocked”)" in out
    assert "kept in the evidence as “Submitted by …” — 1 row: line 5 (“Jane Doe”)" in out
    assert summary(out, "rows read") == "7"  # the blank row isn't one
    assert summary(out, "imported") == "3"
    assert summary(out, "duplicates skipped") == "1 (1 repeated in this file)"
    assert summary(out, "rejected") == "3"
    assert summary(out, "ignored columns") == "Priority"
    assert "Nothing is posted to Slack (--post posts their cards" in out

    ideas = {item.card.idea.title: item.card.idea for item in await stored(url)}
    assert set(ideas) == {"Order tracking", "Returns at Leeds", "Invoices"}
    tracking, returns, invoices = ideas["Order tracking"], ideas["Returns at Leeds"], ideas["Invoices"]
    assert (tracking.status, tracking.submitter_id, tracking.created_at) == (
        "new",
        "U0123ABCD",
        datetime(2025, 3, 4, tzinfo=UTC),
    )
    assert tracking.import_key == import_key("Order tracking", GOOD_PROBLEM)
    assert returns.problem.endswith("every item\nby hand into two systems.")
    assert returns.solution == '=HYPERLINK("http://x.test","click")'  # stored as the text it is
    assert (returns.submitter_id, returns.evidence) == ("", "Submitted by Jane Doe (imported)")
    assert invoices.status == "shipped"
    assert not any(i.problem_is_solution or i.problem_is_vague for i in ideas.values())

    store = Store.from_url(url)
    try:
        assert tracking.id is not None
        (history,) = await store.history(idea_id=tracking.id)
        assert (history.action, history.actor_id, history.reason) == ("imported", "import", "ideas.csv, line 2")
        assert await store.outbox_items(states=("pending", "sent", "failed")) == []  # nothing owed to Slack
    finally:
        await store.close()


async def test_a_dry_run_reports_the_same_and_writes_nothing(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    result = await ideabot("import", "--dry-run", str(write(tmp_path / "ideas.csv", MESSY)), DATABASE_URL=url)
    assert result.returncode == 1
    assert "Dry run: nothing will be written." in result.stdout and "(dry run: nothing was written)" in result.stdout
    assert summary(result.stdout, "would be imported") == "3"
    assert summary(result.stdout, "rejected") == "3"
    assert await stored(url) == []


async def test_an_imported_idea_names_the_stored_ideas_that_state_the_same_problem(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    first = (
        "title,affected,problem\n"
        "One combined mailbox,Staff,Could you merge inbox and sent from every account into a single view? "
        "Most other clients have this.\n"
        "Online booking for the clinic,Patients,Patients phone reception to book and wait on hold for 10 minutes.\n"
    )
    later = (
        "title,affected,problem\n"
        "Merged inbox,Staff,Having every account's incoming mail in a single list would be a great option.\n"
    )
    assert (
        await command("import", "--accept-flagged", str(write(tmp_path / "a.csv", first)), DATABASE_URL=url)
    ).returncode == 0
    assert (
        await command("import", "--accept-flagged", str(write(tmp_path / "b.csv", later)), DATABASE_URL=url)
    ).returncode == 0
    ideas = {e.card.idea.title: e.card for e in await stored(url)}
    mailbox, merged = ideas["One combined mailbox"].idea, ideas["Merged inbox"]
    assert merged.idea.similar_ids == str(mailbox.id) and [i.id for i in merged.similar] == [mailbox.id]
    assert ideas["Online booking for the clinic"].idea.similar_ids == ""


async def test_importing_the_same_file_again_adds_nothing(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    path = write(tmp_path / "ideas.csv", MESSY)
    first = await command("import", str(path), DATABASE_URL=url)
    assert summary(first.stdout, "imported") == "3"
    again = await command("import", str(path), DATABASE_URL=url)
    assert again.returncode == 1  # the same rows are still rejected
    assert summary(again.stdout, "imported") == "0"
    assert summary(again.stdout, "duplicates skipped") == "4 (4 imported before)"
    dry = await command("import", "--dry-run", str(path), DATABASE_URL=url)
    assert summary(dry.stdout, "would be imported") == "0"
    assert len(await stored(url)) == 3


async def test_accept_flagged_imports_the_rows_that_fail_the_gate_flagged(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    result = await ideabot("import", "--accept-flagged", str(write(tmp_path / "ideas.csv", MESSY)), DATABASE_URL=url)
    assert result.returncode == 1  # the row without a problem is still refused
    assert summary(result.stdout, "imported") == "5 (2 flagged)"
    assert summary(result.stdout, "rejected") == "1"
    assert "  line 4: the problem is empty" in result.stdout
    ideas = {item.card.idea.title: item.card.idea for item in await stored(url)}
    salesforce, ui = ideas["Buy Salesforce"], ideas["Better UI"]
    assert salesforce.problem_is_solution and not salesforce.problem_is_vague
    assert salesforce.gate_quote == "We should buy Salesforce for the sales team"
    assert ui.problem_is_vague and not ui.problem_is_solution
    assert not ideas["Order tracking"].problem_is_vague


async def test_files_that_cant_be_used_are_refused_with_a_clear_message(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    cases = {
        "no problem column": (write(tmp_path / "a.csv", "Title,Priority\nTracking,High\n"), "has no problem column"),
        "latin-1": (
            write(tmp_path / "b.csv", "title,problem\nCafé,Kunden können nicht zahlen\n", "latin-1"),
            "is not UTF-8 text (line 2 has the byte 0xe9)",
        ),
        "excel workbook": (write(tmp_path / "c.xlsx", "PK\x03\x04rest"), "is an Excel workbook"),
        "missing": (tmp_path / "missing.csv", "can't read"),
        "quote never closed": (
            write(tmp_path / "d.csv", f'title,problem\nTracking,"{GOOD_PROBLEM}\nInvoices,Typed twice\n'),
            "is not a well-formed CSV file: the row that starts on line 2 ends badly",
        ),
        "empty": (write(tmp_path / "e.csv", ""), "is empty"),
    }
    for what, (path, message) in cases.items():
        result = await command("import", str(path), DATABASE_URL=url)
        assert result.returncode == 2, what
        assert message in result.stderr, (what, result.stderr)
        assert "Traceback" not in result.stderr, what
    assert await stored(url) == []


async def seed(url: str) -> dict[str, int]:
    """A database with ideas as Slack made them: supporters, scores, people, a merge, a flag."""
    store = Store.from_url(url)
    try:
        await prepare_schema(store)

        async def add(title: str, problem: str, flags: GateFlags | None = None, **fields: str) -> int:
            draft = IdeaDraft(title=title, affected="Online customers", problem=problem, **fields)
            idea, _ = await store.add_idea(
                draft=draft, submitter_id="U0000USER1", view_id=None, flags=flags or GateFlags()
            )
            assert idea.id is not None
            return idea.id

        ids = {
            "tracking": await add("Order tracking", GOOD_PROBLEM, business_value="2 hours a day", solution="=SUM(A1)"),
            "kubernetes": await add(
                "Kubernetes",
                "We need Kubernetes for all of our services this year",
                GateFlags(problem_is_solution=True, quote="We need Kubernetes for all of our services this year"),
                origin="technology",
            ),
            "returns": await add(
                "Returns",
                "Returns take 20 minutes each because staff re-enter every item by hand.",
                evidence="- 40/day",
            ),
            "copy": await add("Tracking again", GOOD_PROBLEM + " Again."),
        }
        await store.set_support(idea_id=ids["tracking"], user_id="U0000AAAA1", on=True, via="button")
        await store.set_support(idea_id=ids["tracking"], user_id="U0000BBBB2", on=True, via="reaction")
        await store.score(
            idea_id=ids["tracking"], lead_id="U0000LEAD1", customer_value=5, strategic_fit=4, feasibility=3
        )
        await store.score(
            idea_id=ids["tracking"], lead_id="U0000LEAD2", customer_value=3, strategic_fit=3, feasibility=3
        )
        await store.assign(
            idea_id=ids["tracking"], actor_id="U0000LEAD1", sponsor_id="U0000SPON1", partner_id="U0000PART1"
        )
        await store.change_status(idea_id=ids["tracking"], actor_id="U0000LEAD1", to_status="accepted")
        await store.merge(source_id=ids["copy"], target_id=ids["tracking"], actor_id="U0000LEAD1")
        return ids
    finally:
        await store.close()


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_the_export_has_a_row_per_idea_with_every_field(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    ids = await seed(url)
    result = await ideabot("export", str(tmp_path / "ideas.csv"), DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "Exported 4 ideas to" in result.stdout
    raw = (tmp_path / "ideas.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
    text = raw.decode()
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    rows = {row["title"]: row for row in rows_of(text)}
    tracking = rows["Order tracking"]
    assert tracking["ref"] == f"IDEA-{ids['tracking']}"
    assert (tracking["status"], tracking["submitter"], tracking["sponsor"], tracking["partner"]) == (
        "accepted",
        "U0000USER1",
        "U0000SPON1",
        "U0000PART1",
    )
    assert (tracking["supporters"], tracking["supporter_ids"]) == ("2", "U0000AAAA1 U0000BBBB2")  # the merge adds none
    assert (tracking["score"], tracking["score_count"]) == ("3.5", "2")  # (4 + 3) / 2
    assert tracking["solution"] == "'=SUM(A1)"  # a spreadsheet must not run it
    assert (tracking["shiny"], tracking["problem_is_solution"], tracking["merged_into"]) == ("no", "no", "")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", tracking["created_at"])
    kubernetes = rows["Kubernetes"]
    assert (kubernetes["problem_is_solution"], kubernetes["shiny"], kubernetes["origin"]) == (
        "yes",
        "yes",
        "technology",
    )
    assert (kubernetes["score"], kubernetes["score_count"], kubernetes["supporters"]) == ("", "0", "0")
    assert rows["Returns"]["evidence"] == "'- 40/day"
    assert (rows["Tracking again"]["status"], rows["Tracking again"]["merged_into"]) == (
        "merged",
        f"IDEA-{ids['tracking']}",
    )

    to_stdout = await ideabot("export", "-", DATABASE_URL=url)
    assert to_stdout.returncode == 0 and to_stdout.stdout == text
    assert "Exported 4 ideas" in to_stdout.stderr
    nowhere = await ideabot("export", str(tmp_path / "missing" / "ideas.csv"), DATABASE_URL=url)
    assert nowhere.returncode == 2 and "can't write" in nowhere.stderr and "Traceback" not in nowhere.stderr


async def test_export_then_import_into_a_fresh_database_gives_the_same_ideas(tmp_path) -> None:
    first, second = database_url(tmp_path / "first.db"), database_url(tmp_path / "second.db")
    await seed(first)
    assert (await command("export", str(tmp_path / "first.csv"), DATABASE_URL=first)).returncode == 0

    imported = await command("import", "--accept-flagged", str(tmp_path / "first.csv"), DATABASE_URL=second)
    assert imported.returncode == 0, imported.stdout
    assert summary(imported.stdout, "imported") == "4 (1 flagged)"
    assert "status Merged: imported without the link" in imported.stdout
    assert (await command("export", str(tmp_path / "second.csv"), DATABASE_URL=second)).returncode == 0

    # Not carried over, by design: supporters and scores (people's actions in Slack), the merge's link
    # and the card's permalink (the new database has no cards yet), the ref (a new database numbers its
    # own ideas) and updated_at (the import is the latest change).
    not_imported = {"ref", "supporters", "supporter_ids", "score", "score_count", "merged_into", "card_permalink"}
    dropped = not_imported | {"updated_at"}

    def content(path: Path) -> list[dict[str, str]]:
        return [{k: v for k, v in row.items() if k not in dropped} for row in rows_of(path.read_text())]

    before, after = content(tmp_path / "first.csv"), content(tmp_path / "second.csv")
    assert len(after) == 4 and after == before

    # The export imported back into the database it came from: every idea is there already (the
    # flagged one too: a duplicate is skipped before the gate is asked).
    again = await command("import", str(tmp_path / "first.csv"), DATABASE_URL=first)
    assert again.returncode == 0, again.stdout
    assert summary(again.stdout, "imported") == "0"
    assert summary(again.stdout, "duplicates skipped") == "4 (4 already in ideabot)"
    assert len(await stored(first)) == 4
    second_again = await command("import", str(tmp_path / "first.csv"), DATABASE_URL=second)
    assert summary(second_again.stdout, "duplicates skipped") == "4 (4 imported before)"


async def test_a_large_file_shows_progress_and_ends_with_a_summary(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    lines = ["title,affected,problem,status"]
    lines += [
        f"Order tracking {n},Customers in region {n},"
        f"Customers in region {n} call support {n % 50 + 10} times a day because they can't see their order.,new"
        for n in range(2000)
    ]
    path = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    result = await ideabot("import", str(path), DATABASE_URL=url, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("importing:")]
    assert progress == [f"importing: {p}% ({p * 20:,} of 2,000 rows)" for p in range(10, 101, 10)]
    assert summary(result.stdout, "rows read") == "2,000"
    assert summary(result.stdout, "imported") == "2,000"
    assert summary(result.stdout, "rejected") == "0"
    assert re.search(r"^  time: \d+\.\d s$", result.stdout, re.MULTILINE)
    assert len(await stored(url)) == 2000

    small = await ideabot("import", str(write(tmp_path / "small.csv", "\n".join(lines[:20]))), DATABASE_URL=url)
    assert small.stderr == ""  # no progress bar on a small file
    assert summary(small.stdout, "duplicates skipped") == "19 (19 imported before)"


async def test_post_owes_the_cards_to_the_running_bot_which_posts_them_a_second_apart(tmp_path) -> None:
    url = database_url(tmp_path / "ideas.db")
    rows = ["title,affected,problem,submitter"] + [
        f"Tracking {n},Customers in region {n},Customers in region {n} can't see where their order is after checkout.,"
        "U0000USER1"
        for n in range(3)
    ]
    path = write(tmp_path / "ideas.csv", "\n".join(rows))
    async with LocalSlack(url, options=FAST, post_interval=1.0) as local:  # Slack's pace, as in production
        result = await ideabot("import", "--post", str(path), DATABASE_URL=url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "3 cards are owed to the ideas channel" in result.stdout and "one every 1.1 s" in result.stdout
        posts = await local.wait_for_calls("chat.postMessage", 3, timeout=20)
        await local.settle()

        assert [call.args["channel"] for call in posts] == [IDEAS_CHANNEL] * 3  # cards only: no DM receipts
        assert local.standin.calls_to("conversations.open") == []
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(posts)]
        assert all(gap >= 1.0 for gap in gaps), gaps
        cards = local.standin.channel_messages(IDEAS_CHANNEL)
        assert sorted(re.search(r"Tracking \d", card.text).group(0) for card in cards) == [
            "Tracking 0",
            "Tracking 1",
            "Tracking 2",
        ]
        ideas = [item.card.idea for item in await local.store.export_batch()]
        assert all(idea.card_ts for idea in ideas)


async def test_help_names_the_flags_and_the_header_aliases() -> None:
    result = await ideabot("import", "--help")
    assert result.returncode == 0
    for needle in ("--dry-run", "--accept-flagged", "--post", "pain point", "submitted by", "who is affected"):
        assert needle in result.stdout
    assert "- for standard output" in (await ideabot("export", "--help")).stdout
