"""The `ideabot` command: run the bot, try it without Slack, inspect the outbox."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from dotenv import load_dotenv

from bot.config import ConfigError, Settings
from bot.runtime.logs import configure_logging
from models.schema import SchemaError

DEMO_CHART_HELP = "ideabot-demo-chart.png in the system's temporary folder"


def _settings(*, need_slack: bool) -> Settings:
    return Settings.from_env(os.environ, need_slack=need_slack)


async def _serve(settings: Settings, *, migrate: bool) -> None:
    from bot.runtime.server import Runtime, RuntimeOptions

    runtime = Runtime(settings, RuntimeOptions(migrate=migrate))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    await stop.wait()
    await runtime.stop()


def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot: Socket Mode with SLACK_APP_TOKEN, otherwise HTTP on HOST:PORT."""
    settings = _settings(need_slack=True)
    configure_logging(
        settings.log_level,
        secrets=[
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
            settings.llm_api_key,
        ],
    )
    asyncio.run(_serve(settings, migrate=args.migrate))
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    """Deliver what ideabot owes Slack, beside an `ideabot run` with DELIVERY=external."""
    from bot.delivery.deliverer import deliver

    settings = _settings(need_slack=False)
    if not settings.slack_bot_token:
        print("ideabot deliver needs SLACK_BOT_TOKEN (see .env.example)", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, secrets=[settings.slack_bot_token, settings.slack_signing_secret])
    asyncio.run(deliver(settings))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the real app against a local Slack stand-in and print what Slack would show."""
    from bot.commands.demo import run_demo

    configure_logging("WARNING")
    return asyncio.run(run_demo(keep_db=args.keep_db, chart=args.chart))


def cmd_digest(args: argparse.Namespace) -> int:
    """Preview the digest in the terminal, or post it now."""
    from bot.commands.digest import post_digest, preview_digest

    if args.post and args.chart:
        print("ideabot digest: --chart goes with --preview (a posted digest uploads its chart itself)", file=sys.stderr)
        return 2
    if args.post:
        settings = _settings(need_slack=True)
        configure_logging("WARNING", secrets=[settings.slack_bot_token, settings.slack_signing_secret])
        return asyncio.run(post_digest(settings))
    settings = _settings(need_slack=False)
    configure_logging("WARNING")
    return asyncio.run(preview_digest(settings, chart=args.chart))


def cmd_outbox(args: argparse.Namespace) -> int:
    """List messages still owed to Slack, and those that failed for good."""
    from bot.commands.outbox import print_outbox

    settings = _settings(need_slack=False)
    configure_logging("WARNING")
    return asyncio.run(print_outbox(settings, show_all=args.all))


def cmd_db(args: argparse.Namespace) -> int:
    """Show the database schema's version, or upgrade it to this ideabot's."""
    from bot.commands.db import db_status, db_upgrade

    settings = _settings(need_slack=False)
    configure_logging("WARNING")
    if args.action == "upgrade":
        return asyncio.run(db_upgrade(settings))
    return asyncio.run(db_status(settings))


# --- CSV import and export (bot/commands/spreadsheet/) -------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    """Write every idea to a CSV file."""
    from bot.commands.spreadsheet import export_ideas

    settings = _settings(need_slack=False)
    configure_logging("WARNING")
    return asyncio.run(export_ideas(settings, args.file))


def cmd_import(args: argparse.Namespace) -> int:
    """Add ideas from a CSV file, each row through the problem gate."""
    from bot.commands.spreadsheet import import_ideas

    settings = _settings(need_slack=False)
    configure_logging("WARNING")
    return asyncio.run(
        import_ideas(settings, args.file, dry_run=args.dry_run, accept_flagged=args.accept_flagged, post=args.post)
    )


def _add_csv_commands(sub: argparse._SubParsersAction) -> None:
    from bot.commands.spreadsheet import describe_columns

    export = sub.add_parser(
        "export",
        help="write every idea to a CSV file (- for standard output)",
        description="Write every idea to a CSV file, one row per idea: its fields, status, people, supporters, "
        "score, flags and dates (UTC). Cells a spreadsheet would run as a formula get a leading apostrophe.",
    )
    export.add_argument("file", metavar="FILE", help="the CSV file to write, or - for standard output")
    export.set_defaults(func=cmd_export)
    imported = sub.add_parser(
        "import",
        help="add ideas from a CSV file (a spreadsheet, a Slack List export, an ideabot export)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Add ideas from a CSV file (UTF-8; commas, semicolons or tabs). Every row goes through the "
        "problem gate:\nrows that fail it are listed with their line numbers and not imported. Rows imported before "
        "(same title\nand problem) are skipped, so importing a file again adds nothing.",
        epilog="Columns are found by their header names (case, spaces and punctuation don't matter); "
        "title and problem\nare required, other columns are ignored and listed:\n"
        + describe_columns()
        + "\n\nExit status: 0 all rows imported or skipped as duplicates, 1 some rows rejected (the others "
        "imported),\n2 the file can't be used.",
    )
    imported.add_argument("file", metavar="FILE", help="the CSV file to read")
    imported.add_argument("--dry-run", action="store_true", help="check every row and report, but write nothing")
    imported.add_argument(
        "--accept-flagged",
        action="store_true",
        help="import rows that fail the problem gate (but have a title and a problem), flagged as the gate says",
    )
    imported.add_argument(
        "--post",
        action="store_true",
        help="post the imported ideas' cards to the ideas channel: the running bot's outbox posts one every 1.1 s "
        "(no DMs to submitters). Without it nothing is posted",
    )
    imported.set_defaults(func=cmd_import)


# --- end of CSV import and export ------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="ideabot",
        description="A Slack bot that makes your innovation pipeline problem-first.",
        epilog="Settings come from the environment and a .env file in the current folder (see .env.example).",
    )
    parser.add_argument("--env-file", default=".env", help="the .env file to read (default: ./.env)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="start the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    run.add_argument("--migrate", action="store_true", help="upgrade an out-of-date database schema first")
    run.set_defaults(func=cmd_run)
    deliver = sub.add_parser(
        "deliver", help="post what ideabot owes Slack (beside `ideabot run` with DELIVERY=external)"
    )
    deliver.set_defaults(func=cmd_deliver)
    demo = sub.add_parser("demo", help="try ideabot without a Slack workspace: sample ideas, printed")
    demo.add_argument("--keep-db", metavar="PATH", help="keep the demo's SQLite file at PATH")
    demo.add_argument(
        "--chart", metavar="FILE.png", help=f"where to write the digest's chart (default: {DEMO_CHART_HELP})"
    )
    demo.set_defaults(func=cmd_demo)
    digest = sub.add_parser("digest", help="print the weekly digest (--preview) or post it now (--post)")
    mode = digest.add_mutually_exclusive_group()
    mode.add_argument("--preview", action="store_true", help="print the current period's digest (the default)")
    mode.add_argument("--post", action="store_true", help="post it to DIGEST_CHANNEL now")
    digest.add_argument("--chart", metavar="FILE.png", help="with --preview: also write the digest's chart to FILE.png")
    digest.set_defaults(func=cmd_digest)
    outbox = sub.add_parser("outbox", help="list messages waiting for Slack or failed for good")
    outbox.add_argument("--all", action="store_true", help="include delivered messages")
    outbox.set_defaults(func=cmd_outbox)
    db = sub.add_parser("db", help="the database schema: `status` (the default) or `upgrade` (back up first)")
    db.add_argument("action", nargs="?", choices=["status", "upgrade"], default="status")
    db.set_defaults(func=cmd_db)
    _add_csv_commands(sub)  # export, import
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ideabot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    env_file = Path(args.env_file)
    if env_file.is_file():
        load_dotenv(env_file, override=False)
    try:
        return int(args.func(args) or 0)
    except ConfigError as error:
        print(error.message(), file=sys.stderr)
        return 2
    except SchemaError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
