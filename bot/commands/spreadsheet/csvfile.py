"""An imported CSV file, checked from end to end before anything is imported (encoding, delimiter,
header, rows), then read record by record; `UnusableFile` says why a file can't be used."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.commands.spreadsheet.columns import sniff_delimiter


class UnusableFile(Exception):
    """The file can't be imported at all; the message says why, in words for the person importing."""


@dataclass(frozen=True)
class CsvFile:
    """A CSV file checked from end to end: its delimiter, header and number of rows."""

    path: Path
    delimiter: str
    header: list[str]
    rows: int  # records after the header, blank ones included
    skip: int = 0  # lines before the header (Excel's "sep=;" line)


_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip) and .xls


def _open(path: Path) -> TextIO:
    try:
        with path.open("rb") as raw:
            if raw.read(4) in _EXCEL_MAGIC:
                raise UnusableFile(
                    f"{path} is an Excel workbook, not a CSV file: in Excel choose File › Save As › "
                    "“CSV UTF-8”, in Google Sheets File › Download › CSV."
                )
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise UnusableFile(f"can't read {path}: {error.strerror or error}") from error


def _not_utf8(path: Path) -> UnusableFile:
    """The error for a file that is not UTF-8, naming the first line that isn't."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start]
                return UnusableFile(
                    f"{path} is not UTF-8 text (line {number} has the byte 0x{byte:02x}): save it as "
                    "“CSV UTF-8” in Excel, or download it again as CSV."
                )
    return UnusableFile(f"{path} is not UTF-8 text: save it as “CSV UTF-8” in Excel, or download it again as CSV.")


def _records(path: Path, delimiter: str, skip: int) -> Iterator[tuple[int, int, list[str]]]:
    """(line where the record starts, its row number, its cells) for every record; the header is line 1."""
    with _open(path) as file:
        for _ in range(skip):
            file.readline()
        reader = csv.reader(file, delimiter=delimiter, strict=True)  # a quote never closed is an error
        row = line = skip
        try:
            for cells in reader:
                row += 1
                yield line + 1, row, cells
                line = reader.line_num + skip
        except UnicodeDecodeError as error:
            raise _not_utf8(path) from error
        except csv.Error as error:
            raise UnusableFile(
                f"{path} is not a well-formed CSV file: the row that starts on line {line + 1} ends badly ({error}); "
                "check its quotes."
            ) from error


def inspect_csv(path: Path) -> CsvFile:
    """Check a file from end to end before anything is imported: encoding, delimiter, header, rows."""
    with _open(path) as file:
        try:
            first = file.readline()
        except UnicodeDecodeError as error:
            raise _not_utf8(path) from error
    skip = 0
    found = re.fullmatch(r"sep=(.)\r?\n?", first)
    if found:  # Excel's hint naming the delimiter, before the header
        delimiter, skip = found.group(1), 1
    else:
        delimiter = sniff_delimiter(first)
    records = _records(path, delimiter, skip)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[2]):
        raise UnusableFile(f"{path} is empty: its first line should name the columns (title, problem, …).")
    rows = sum(1 for _ in records)
    return CsvFile(path=path, delimiter=delimiter, header=header[2], rows=rows, skip=skip)


def rows_of(csv_file: CsvFile) -> Iterator[tuple[str, list[str]]]:
    """(where, cells) of every record after the header; where is "line 7", or "line 9 (row 7)"
    when cells with line breaks make the file's lines and the spreadsheet's rows differ."""
    records = _records(csv_file.path, csv_file.delimiter, csv_file.skip)
    next(records, None)
    for line, row, cells in records:
        yield (f"line {line}" if line == row else f"line {line} (row {row})"), cells
