"""The header row of an imported file: which column holds which field, and the delimiter.

A header matches a field when it equals one of the field's `HEADER_ALIASES` once both are
lowercased and stripped of spaces, underscores and punctuation (`header_key`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Header names an import understands, per field. A header matches when it equals one of these
# once both are lowercased and stripped of spaces, underscores and punctuation.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(alias.strip() for alias in aliases.split(","))
    for name, aliases in {
        "title": "title, idea, idea title, name, summary, subject",
        "affected": "affected, who, who is affected, who has the problem, customer, customers, users",
        "problem": "problem, customer problem, problem statement, pain, pain point, pain points, issue, challenge, "
        "description",
        "evidence": "evidence, proof, how do we know",
        "business_value": "business value, value, impact, benefit, benefits, why",
        "solution": "solution, proposed solution, your proposed solution, proposal, how",
        "origin": "origin, started from",
        "kind": "kind, type, invent or adopt",
        "status": "status, state, stage",
        "submitter": "submitter, submitter id, submitted by, author, created by, owner, reporter, email, email address",
        "sponsor": "sponsor, sponsor id, business sponsor",
        "partner": "partner, partner id, tech partner",
        "created_at": "created, created at, created on, date, date created, submitted at, timestamp",
    }.items()
}

REQUIRED = ("title", "problem")
DELIMITERS = (",", ";", "\t")


def header_key(name: str) -> str:
    """A header name as it is compared: lowercased, without spaces, underscores or punctuation."""
    return re.sub(r"[\W_]+", "", name.casefold())


_FIELD_OF = {header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Columns:
    """Which column holds which field, and which columns an import ignores."""

    index: dict[str, int]  # field -> position in a row
    names: dict[str, str]  # field -> the header name it was found under
    ignored: tuple[str, ...]  # header names that match no field, or a field found before
    width: int  # how many columns the header names

    @property
    def missing(self) -> tuple[str, ...]:
        """Required fields no column holds."""
        return tuple(f for f in REQUIRED if f not in self.index)


def map_header(header: Sequence[str]) -> Columns:
    """Map a header row to fields (the first column wins a field); unnamed columns are skipped."""
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        found = _FIELD_OF.get(header_key(name))
        if found is None or found in index:
            ignored.append(name)
        else:
            index[found], names[found] = position, name
    return Columns(index=index, names=names, ignored=tuple(ignored), width=len(header))


def sniff_delimiter(header_line: str) -> str:
    """`,`, `;` or tab: whichever the header line uses most outside quotes (`,` if none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def describe_columns() -> str:
    """The header names an import understands, one field a line (for --help and the docs)."""
    return "\n".join(f"  {name}: {', '.join(aliases)}" for name, aliases in HEADER_ALIASES.items())
