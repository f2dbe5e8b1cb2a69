"""Settings: read once from the environment (and `.env`), checked all at once, then frozen."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///ideabot.db"
DEFAULT_DIGEST_SCHEDULE = "0 9 * * mon"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DELIVERY_MODES = ("inline", "external")

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class ConfigError(Exception):
    """Raised with every problem found in the settings, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(self.message())

    def message(self) -> str:
        count = len(self.problems)
        noun = "1 setting needs" if count == 1 else f"{count} settings need"
        head = f"ideabot can't start: {noun} attention"
        lines = [head, *(f"  - {p}" for p in self.problems)]
        lines.append("See .env.example for every setting, its format and an example value.")
        return "\n".join(lines)


@dataclass(frozen=True)
class Settings:
    """Everything ideabot reads from its environment."""

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    host: str = "0.0.0.0"
    port: int = 3000
    database_url: str = DEFAULT_DATABASE_URL
    ideas_channel: str = ""
    triage_users: frozenset[str] = field(default_factory=frozenset)
    triage_usergroup: str = ""
    log_level: str = "INFO"
    digest_channel: str = ""  # "" = the ideas channel
    digest_schedule: str = DEFAULT_DIGEST_SCHEDULE
    digest_timezone: str = "UTC"
    stale_after_days: int = 7
    invent_share_warning: float = 0.2
    delivery: str = "inline"  # "inline": `ideabot run` delivers; "external": `ideabot deliver` processes do
    post_interval: float = 1.0  # seconds between the bot's posts to one channel (Slack allows ~1 a second)
    # An OpenAI-compatible language model that suggests a rewritten problem (off unless both are set).
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    # …and is also asked which candidate similar ideas state the same problem (LLM_SIMILAR_IDEAS=on).
    llm_similar_ideas: bool = False

    @property
    def llm_enabled(self) -> bool:
        """True when a language model is configured for suggested rewrites."""
        return bool(self.llm_base_url and self.llm_model)

    digest_chart: bool = True  # upload a chart with each digest (DIGEST_CHART=false: text only)

    @property
    def digest_target(self) -> str:
        """Where the digest is posted: DIGEST_CHANNEL, or the ideas channel when unset."""
        return self.digest_channel or self.ideas_channel

    @property
    def socket_mode(self) -> bool:
        """True when an app-level token is configured: connect out instead of serving HTTP."""
        return bool(self.slack_app_token)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, need_slack: bool = True) -> Settings:
        """Build settings from `environ`; raise ConfigError naming every problem at once.

        With `need_slack=False` (demo, digest preview) the Slack credentials may be absent.
        """
        env = _Env(environ)
        values = _read_slack(env, need_slack=need_slack)
        # Each reader checks one concern and notes its problems; all of them run before any is raised.
        for read in (_read_server, _read_database, _read_triage, _read_digest, _read_delivery, _read_llm):
            values.update(read(env))
        values["digest_chart"] = _switch(env.get("DIGEST_CHART", "true"), "DIGEST_CHART", env.problems)
        if env.problems:
            raise ConfigError(env.problems)
        return cls(**values)

    def __repr__(self) -> str:
        # Never let a token or secret reach a log line through repr().
        return (
            f"Settings(mode={'socket' if self.socket_mode else 'http'}, api={self.slack_api_url}, "
            f"db={self.database_url.split('://')[0]}, ideas_channel={self.ideas_channel}, "
            f"llm={'on' if self.llm_enabled else 'off'})"
        )


class _Env:
    """The environment being read, and the problems found in it so far."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def get(self, name: str, default: str = "") -> str:
        """A variable, stripped; `default` when it is unset."""
        return self.environ.get(name, default).strip()

    def problem(self, text: str) -> None:
        """Note a problem; `from_env` raises them all together."""
        self.problems.append(text)


def _read_slack(env: _Env, *, need_slack: bool) -> dict[str, Any]:
    """The Slack credentials, the ideas channel and the Web API's URL."""
    bot_token = env.get("SLACK_BOT_TOKEN")
    signing_secret = env.get("SLACK_SIGNING_SECRET")
    app_token = env.get("SLACK_APP_TOKEN")
    ideas_channel = env.get("IDEAS_CHANNEL")
    if need_slack:
        _check_credentials(env, bot_token=bot_token, signing_secret=signing_secret, app_token=app_token)
        if not ideas_channel:
            env.problem("IDEAS_CHANNEL is missing (the channel id where idea cards are posted, e.g. C0123456789)")
    if ideas_channel and not _CHANNEL_ID.match(ideas_channel):
        env.problem(
            f"IDEAS_CHANNEL must be a channel id like C0123456789, got {ideas_channel!r} "
            "(open the channel's details in Slack; the id is at the bottom)"
        )
    api_url = env.get("SLACK_API_URL", DEFAULT_SLACK_API_URL) or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        env.problem(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    elif not api_url.endswith("/"):
        api_url += "/"
    return {
        "slack_bot_token": bot_token,
        "slack_signing_secret": signing_secret,
        "slack_app_token": app_token,
        "slack_api_url": api_url,
        "ideas_channel": ideas_channel,
    }


def _check_credentials(env: _Env, *, bot_token: str, signing_secret: str, app_token: str) -> None:
    """The bot token, and the app token (Socket Mode) or the signing secret (HTTP mode)."""
    if not bot_token:
        env.problem("SLACK_BOT_TOKEN is missing (the Bot User OAuth Token, starts with xoxb-)")
    elif not bot_token.startswith("xoxb-"):
        env.problem("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if app_token and not app_token.startswith("xapp-"):
        env.problem("SLACK_APP_TOKEN must be an app-level token starting with xapp- (or be left unset)")
    if not app_token and not signing_secret:
        env.problem(
            "SLACK_SIGNING_SECRET is missing (Basic Information > App Credentials); "
            "it is required in HTTP mode, i.e. when SLACK_APP_TOKEN is not set"
        )


def _read_server(env: _Env) -> dict[str, Any]:
    """Where the HTTP server listens."""
    port = 3000
    raw_port = env.get("PORT", "3000") or "3000"
    if raw_port.isdigit() and 1 <= int(raw_port) <= 65535:
        port = int(raw_port)
    else:
        env.problem(f"PORT must be a whole number from 1 to 65535, got {raw_port!r}")
    return {"host": env.get("HOST", "0.0.0.0") or "0.0.0.0", "port": port}


def _read_database(env: _Env) -> dict[str, Any]:
    """The database's SQLAlchemy URL, with an async driver."""
    database_url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL
    if not re.match(r"^[a-z0-9]+(\+[a-z0-9]+)?://", database_url):
        env.problem(f"DATABASE_URL must be an SQLAlchemy URL like {DEFAULT_DATABASE_URL}, got {database_url!r}")
    elif database_url.startswith("sqlite") and "+aiosqlite" not in database_url:
        env.problem("DATABASE_URL must use the async driver: sqlite+aiosqlite:///path/to/ideabot.db")
    elif database_url.startswith("postgres") and "+asyncpg" not in database_url:
        env.problem(
            "DATABASE_URL must use the async driver: postgresql+asyncpg://user:password@host/db "
            '(pip install "ideabot[postgres]")'
        )
    return {"database_url": database_url}


def _read_triage(env: _Env) -> dict[str, Any]:
    """Who the triage leads are, and the log level."""
    triage_users = frozenset(u.strip() for u in env.get("TRIAGE_USERS").split(",") if u.strip())
    bad_users = sorted(u for u in triage_users if not _USER_ID.match(u))
    if bad_users:
        env.problem(
            f"TRIAGE_USERS must be comma-separated Slack user ids like U0123ABCD, not names: {', '.join(bad_users)}"
        )
    usergroup = env.get("TRIAGE_USERGROUP")
    if usergroup and not _USERGROUP_ID.match(usergroup):
        env.problem(f"TRIAGE_USERGROUP must be a user-group id like S0123ABCD, got {usergroup!r}")
    # Read here to keep the order of the problems as they have always been listed.
    log_level = (env.get("LOG_LEVEL", "INFO") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        env.problem(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    return {"triage_users": triage_users, "triage_usergroup": usergroup, "log_level": log_level}


def _read_digest(env: _Env) -> dict[str, Any]:
    """Where and when the digest goes, and its thresholds (the chart switch is read last)."""
    digest_channel = env.get("DIGEST_CHANNEL")
    if digest_channel and not re.match(r"^(?:[CG][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9_-]{0,79})$", digest_channel):
        env.problem(
            f"DIGEST_CHANNEL must be a channel id like C0123456789 or a name like #leadership, got {digest_channel!r}"
        )
    schedule = env.get("DIGEST_SCHEDULE", DEFAULT_DIGEST_SCHEDULE) or DEFAULT_DIGEST_SCHEDULE
    timezone = env.get("DIGEST_TIMEZONE", "UTC") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        env.problem(f"DIGEST_TIMEZONE must be an IANA time zone like Europe/London, got {timezone!r}")
        timezone = "UTC"
    try:
        CronTrigger.from_crontab(schedule, timezone=timezone)
    except ValueError as error:
        env.problem(
            f"DIGEST_SCHEDULE must be a crontab line like '{DEFAULT_DIGEST_SCHEDULE}' "
            f"(minute hour day month weekday), got {schedule!r}: {error}"
        )
    return {
        "digest_channel": digest_channel,
        "digest_schedule": schedule,
        "digest_timezone": timezone,
        "stale_after_days": _stale_after_days(env),
        "invent_share_warning": _invent_share(env),
    }


def _stale_after_days(env: _Env) -> int:
    """STALE_AFTER_DAYS: 1 to 365 days."""
    raw_stale = env.get("STALE_AFTER_DAYS", "7") or "7"
    if raw_stale.isdigit() and 1 <= int(raw_stale) <= 365:
        return int(raw_stale)
    env.problem(f"STALE_AFTER_DAYS must be a whole number of days from 1 to 365, got {raw_stale!r}")
    return 7


def _invent_share(env: _Env) -> float:
    """INVENT_SHARE_WARNING: a share from 0 to 1, or a percentage."""
    raw_share = env.get("INVENT_SHARE_WARNING", "0.2") or "0.2"
    try:
        invent_share = float(raw_share.rstrip("%")) / (100 if raw_share.endswith("%") else 1)
    except ValueError:
        invent_share = -1.0
    if not 0 <= invent_share <= 1:
        env.problem(f"INVENT_SHARE_WARNING must be a share from 0 to 1 (e.g. 0.2 or 20%), got {raw_share!r}")
        invent_share = 0.2
    return invent_share


def _read_delivery(env: _Env) -> dict[str, Any]:
    """Which process delivers the outbox, and the pace of posts to a channel."""
    delivery = (env.get("DELIVERY", "inline") or "inline").lower()
    if delivery in ("auto", "process"):
        # The child delivery process of earlier versions is gone: inline does its work.
        env.problem(
            f"DELIVERY={delivery} is no longer needed: remove it (`ideabot run` delivers), or set "
            "DELIVERY=external and run `ideabot deliver` beside it"
        )
    elif delivery not in DELIVERY_MODES:
        env.problem(f"DELIVERY must be one of {', '.join(DELIVERY_MODES)}, got {delivery!r}")
    raw_interval = env.get("SLACK_POST_INTERVAL", "1") or "1"
    try:
        post_interval = float(raw_interval)
    except ValueError:
        post_interval = -1.0
    if not 0 <= post_interval <= 60:
        env.problem(f"SLACK_POST_INTERVAL must be seconds from 0 to 60 (Slack allows ~1), got {raw_interval!r}")
        post_interval = 1.0
    return {"delivery": delivery, "post_interval": post_interval}


def _read_llm(env: _Env) -> dict[str, Any]:
    """The optional language model that suggests rewrites (and, when asked, looks at similar ideas)."""
    llm_base_url, llm_model, llm_api_key = env.get("LLM_BASE_URL"), env.get("LLM_MODEL"), env.get("LLM_API_KEY")
    env.problems.extend(_llm_problems(llm_base_url, llm_model, llm_api_key))
    raw_similar = env.get("LLM_SIMILAR_IDEAS")
    similar = bool(raw_similar) and _switch(raw_similar, "LLM_SIMILAR_IDEAS", env.problems)
    if similar and not (llm_base_url and llm_model):
        env.problem("LLM_SIMILAR_IDEAS=on needs a language model: set LLM_BASE_URL and LLM_MODEL too")
    return {
        "llm_base_url": llm_base_url.rstrip("/"),
        "llm_model": llm_model,
        "llm_api_key": llm_api_key,
        "llm_similar_ideas": similar,
    }


def _llm_problems(base_url: str, model: str, api_key: str) -> list[str]:
    """What is wrong with the optional language-model settings (all empty: nothing, it is off)."""
    if not (base_url or model or api_key):
        return []
    problems = []
    if not base_url:
        problems.append(
            "LLM_BASE_URL is missing: the OpenAI-compatible server's base URL, e.g. https://api.openai.com/v1 "
            "or http://127.0.0.1:11434/v1 (or leave LLM_MODEL and LLM_API_KEY empty to turn the model off)"
        )
    elif not re.match(r"^https?://[^\s/]+", base_url) or any(c in base_url for c in " \n\t"):
        problems.append(f"LLM_BASE_URL must be an http(s) URL like https://api.openai.com/v1, got {base_url!r}")
    if not model:
        problems.append("LLM_MODEL is missing: the model's name on that server, e.g. gpt-4o-mini or llama3.1")
    elif len(model) > 200 or any(c.isspace() for c in model):
        problems.append(f"LLM_MODEL must be a model name without spaces, got {model[:40]!r}")
    return problems


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _switch(raw: str, name: str, problems: list[str]) -> bool:
    """An on/off setting: true/false (or yes/no, on/off, 1/0); empty is on."""
    value = raw.lower() or "true"
    if value not in _TRUE + _FALSE:
        problems.append(f"{name} must be true or false, got {raw!r}")
    return value not in _FALSE


def redact_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("://")[0] + "://…"
