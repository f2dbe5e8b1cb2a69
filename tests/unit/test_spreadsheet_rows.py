"""CSV import and export, the pure parts: the header, a row through the problem gate, cells a
spreadsheet would run, progress. The commands: tests/e2e/test_spreadsheet.py."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from bot.commands.spreadsheet.columns import map_header, sniff_delimiter
from bot.commands.spreadsheet.export import EXPORT_COLUMNS
from bot.commands.spreadsheet.report import Progress
from bot.commands.spreadsheet.rows import first_sentence, import_key, neutralise, parse_date, read_row, unneutralise
from bot.domain.ideas import IdeaDraft, Kind, Origin
from models.store import GateFlags

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
GOOD_PROBLEM = "Customers call support 40 times a day because they can't see where their order is after checkout."
HEADER = ["Idea", "Who is affected?", "Pain point", "Business value", "Proposed solution", "Status", "Submitted by"]


def read(cells: list[str], header: list[str] = HEADER, *, accept_flagged: bool = False):
    return read_row(
        cells, map_header(header), where="line 2", source="ideas.csv, line 2", accept_flagged=accept_flagged, now=NOW
    )


# --- the header ------------------------------------------------------------------------------


def test_header_names_match_whatever_their_case_spacing_and_punctuation() -> None:
    columns = map_header(
        ["  TITLE ", "who_is_affected", "Pain-Point", "Business Value", "created at", "E-mail address"]
    )
    assert columns.index == {
        "title": 0,
        "affected": 1,
        "problem": 2,
        "business_value": 3,
        "created_at": 4,
        "submitter": 5,
    }
    assert columns.names["problem"] == "Pain-Point"
    assert columns.ignored == () and columns.missing == ()


def test_an_ideabot_export_header_maps_every_importable_column() -> None:
    columns = map_header(list(EXPORT_COLUMNS))
    assert set(columns.index) == {
        "title",
        "affected",
        "problem",
        "evidence",
        "business_value",
        "solution",
        "origin",
        "kind",
        "status",
        "submitter",
        "sponsor",
        "partner",
        "created_at",
    }
    assert "ref" in columns.ignored and "supporters" in columns.ignored and "updated_at" in columns.ignored


def test_unknown_and_repeated_columns_are_ignored_and_title_and_problem_are_required() -> None:
    columns = map_header(["Name", "Summary", "Priority", "", "Votes", "Who"])
    assert columns.index == {"title": 0, "affected": 5}
    assert columns.ignored == ("Summary", "Priority", "Votes")  # Summary: the title was found already
    assert columns.missing == ("problem",)
    assert map_header(["Priority"]).missing == ("title", "problem")


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("title,problem,affected\r\n", ","),
        ("title;problem;affected\n", ";"),
        ("title\tproblem\taffected\n", "\t"),
        ('"Who, exactly";"Problem";"Title"\n', ";"),  # the comma inside quotes doesn't count
        ("title\n", ","),
    ],
)
def test_the_delimiter_is_the_one_the_header_uses_outside_quotes(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


# --- a row -----------------------------------------------------------------------------------


def test_a_row_that_passes_the_gate_becomes_an_idea_with_its_values_mapped() -> None:
    header = [*HEADER, "Origin", "Kind", "Created", "Sponsor"]
    cells = ["Order tracking", "Online customers", GOOD_PROBLEM, "2 h a day", "'=tracking page", "Done", "<@U0123ABCD>"]
    reading = read([*cells, "Technology", "Buy", "2025-03-04", "W0SPONSOR1"], header)
    assert reading.rejection == "" and not reading.flagged and reading.notes == ()
    idea = reading.idea
    assert idea is not None
    assert idea.draft == IdeaDraft(
        title="Order tracking",
        affected="Online customers",
        problem=GOOD_PROBLEM,
        business_value="2 h a day",
        solution="=tracking page",  # the export's apostrophe is taken off again
        origin=Origin.TECHNOLOGY,
        kind=Kind.ADOPT,
    )
    assert (idea.status, idea.submitter_id, idea.sponsor_id) == ("shipped", "U0123ABCD", "W0SPONSOR1")
    assert idea.created_at == datetime(2025, 3, 4, tzinfo=UTC)
    assert idea.flags == GateFlags() and idea.import_key == import_key("Order tracking", GOOD_PROBLEM)
    assert idea.source == "ideas.csv, line 2"


def test_a_solution_first_row_is_rejected_with_the_gates_reason_on_one_line() -> None:
    reading = read(["Buy Salesforce", "Sales team", "We should buy Salesforce for the sales team", "", "", "", ""])
    assert reading.idea is None
    assert reading.rejection == "problem: This reads like a solution (“We should buy Salesforce for the sales team”)."


def test_hard_errors_are_rejected_and_rows_without_title_or_problem_always() -> None:
    short = read(["Tracking", "Customers", "Order tracking is bad", "", "", "", ""])
    assert short.idea is None and short.rejection == "problem: That's only 4 words."
    nobody = read(["Tracking", "", GOOD_PROBLEM, "", "", "", ""])
    assert nobody.rejection.startswith("who is affected: Name who has the problem")
    for cells, why in (
        (["", "Customers", GOOD_PROBLEM, "", "", "", ""], "the title is empty"),
        (["Tracking", "Customers", "  ", "", "", "", ""], "the problem is empty"),
        (["", "Customers", "", "", "", "", ""], "the title and the problem are empty"),
    ):
        reading = read(cells, accept_flagged=True)
        assert (reading.idea, reading.rejection) == (None, why)


def test_accept_flagged_imports_rows_that_fail_the_gate_flagged_as_the_gate_says() -> None:
    solution = read(
        ["Buy Salesforce", "Sales", "We should buy Salesforce for the sales team", "", "", "", ""], accept_flagged=True
    )
    assert solution.flagged and solution.idea is not None
    assert solution.idea.flags == GateFlags(
        problem_is_solution=True, quote="We should buy Salesforce for the sales team"
    )
    vague = read(
        ["Better UI", "Everyone", "Improve the user interface and the general experience", "", "", "", ""],
        accept_flagged=True,
    )
    assert vague.idea is not None and vague.idea.flags.problem_is_vague and not vague.idea.flags.problem_is_solution
    hard = read(["Tracking", "", GOOD_PROBLEM, "", "", "", ""], accept_flagged=True)  # nobody affected: a hard error
    assert hard.flagged and hard.idea is not None and hard.idea.flags.problem_is_vague


def test_a_name_as_submitter_is_kept_in_the_evidence_and_odd_values_are_noted() -> None:
    header = [*HEADER, "Evidence", "Created", "Sponsor"]
    cells = ["Tracking", "Customers", GOOD_PROBLEM, "", "", "Blocked", "Jane Doe", "40 calls a day", "last week", "Sam"]
    reading = read(cells, header)
    idea = reading.idea
    assert idea is not None
    assert idea.submitter_id == "" and idea.sponsor_id == ""
    assert idea.draft.evidence == "40 calls a day\n\nSubmitted by Jane Doe (imported)"
    assert idea.status == "new" and idea.created_at == NOW
    assert [(n.kind, n.value) for n in reading.notes] == [
        ("status", "Blocked"),
        ("submitter", "Jane Doe"),
        ("sponsor", "Sam"),
        ("created_at", "last week"),
    ]
    again = read([*cells[:7], idea.draft.evidence, "", ""], header)  # an export of it, imported
    assert again.idea is not None and again.idea.draft.evidence == idea.draft.evidence


def test_values_too_long_for_their_column_never_reach_it() -> None:
    too_long_id = "U" + "A" * 40  # looks like a Slack id, but submitter_id holds 32 characters
    reading = read(["T" * 400, "Customers", GOOD_PROBLEM, "", "", "", too_long_id])
    idea = reading.idea
    assert idea is not None
    assert idea.submitter_id == "" and len(idea.draft.title) == 150 and idea.draft.title.endswith("…")
    assert {n.kind for n in reading.notes} == {"title", "submitter"}
    row = idea.row(NOW)
    assert len(row["status"]) <= 20 and len(row["origin"]) <= 20 and len(row["import_key"]) <= 64


def test_status_synonyms_and_dates() -> None:
    def status(word: str) -> str:
        reading = read(["Tracking", "Customers", GOOD_PROBLEM, "", "", word, ""])
        assert reading.idea is not None
        return reading.idea.status

    assert [status(w) for w in ("", "NEW", "Needs problem", "in review", "Approved", "WIP", "won't do", "On hold")] == [
        "new",
        "new",
        "needs_problem",
        "under_review",
        "accepted",
        "in_progress",
        "declined",
        "parked",
    ]
    assert parse_date("2025-03-04") == datetime(2025, 3, 4, tzinfo=UTC)
    assert parse_date("2025-03-04T10:15:00Z") == datetime(2025, 3, 4, 10, 15, tzinfo=UTC)
    assert parse_date("2025-03-04 12:15:00+02:00") == datetime(2025, 3, 4, 10, 15, tzinfo=UTC)
    assert parse_date("04/03/2025") is None and parse_date("yesterday") is None


def test_the_import_key_ignores_case_spacing_and_quote_styles() -> None:
    key = import_key("Order tracking", "Customers can't see  their order")
    assert key == import_key("order TRACKING ", "customers can’t see their order")
    assert key != import_key("Order tracking", "Customers can't see their orders")
    assert len(key) <= 64


def test_cells_a_spreadsheet_would_run_are_neutralised_and_restored() -> None:
    for cell in ("=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell and unneutralise(neutralise(cell)) == cell
    assert neutralise("Plain text") == "Plain text" and unneutralise("'quoted'") == "'quoted'"


def test_first_sentence_is_not_cut_inside_a_quote() -> None:
    text = "This reads like a solution (“Buy X. Then Y”). What goes wrong today?"
    assert first_sentence(text) == "This reads like a solution (“Buy X. Then Y”)."


def test_progress_prints_a_line_every_tenth_off_a_terminal_and_redraws_on_one() -> None:
    plain = io.StringIO()
    progress = Progress(2000, plain, tty=False)
    for done in range(1, 2001):
        progress.update(done)
    progress.finish()
    lines = plain.getvalue().splitlines()
    assert lines == [f"importing: {p}% ({p * 20:,} of 2,000 rows)" for p in range(10, 101, 10)]

    terminal = io.StringIO()
    progress = Progress(2000, terminal, tty=True)
    for done in range(1, 2001):
        progress.update(done)
    progress.finish()
    out = terminal.getvalue()
    assert out.count("\r") == 100 and out.count("\n") == 1 and out.endswith("100% (2,000 of 2,000 rows)\n")
