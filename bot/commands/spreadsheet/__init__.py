"""CSV import and export of ideas: `ideabot export FILE` and `ideabot import FILE`.

Export writes one row per idea (`export.EXPORT_COLUMNS`), reading `EXPORT_BATCH` ideas at a time, with
every cell that a spreadsheet would run as a formula neutralised by a leading apostrophe.

Import maps the header row by name (`columns.HEADER_ALIASES`; case, spaces, underscores and punctuation
don't matter), sends every row through the problem gate (`bot.domain.problem.check_problem`) and stores
the rows that pass, `IMPORT_BATCH` per transaction. A row's identity is `rows.import_key(title,
problem)`, so importing a file again — or an export of the same database — adds nothing.

The pure parts are `columns` (the header), `rows` (a row), `csvfile` (reading the file) and `report`
(progress and the summary); the commands are `export` and `importer`.
"""

from bot.commands.spreadsheet.columns import describe_columns
from bot.commands.spreadsheet.export import export_ideas
from bot.commands.spreadsheet.importer import import_ideas

__all__ = ["describe_columns", "export_ideas", "import_ideas"]
