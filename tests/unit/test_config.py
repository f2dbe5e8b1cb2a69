"""Settings: every problem named at once, nothing secret in repr."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "s3cr3t-signing",
    "IDEAS_CHANNEL": "C0123456789",
}


def test_defaults() -> None:
    s = Settings.from_env(GOOD)
    assert (s.port, s.host, s.database_url) == (3000, "0.0.0.0", "sqlite+aiosqlite:///ideabot.db")
    assert s.slack_api_url == "https://slack.com/api/" and not s.socket_mode


def test_every_problem_is_named_in_one_message() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user",
        "PORT": "eighty",
        "IDEAS_CHANNEL": "#ideas",
        "TRIAGE_USERS": "alice,U123ABC",
        "LOG_LEVEL": "loud",
        "TRIAGE_USERGROUP": "devs",
        "DATABASE_URL": "sqlite:///x.db",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    message = info.value.message()
    for needle in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "PORT",
        "IDEAS_CHANNEL",
        "TRIAGE_USERS",
        "alice",
        "LOG_LEVEL",
        "TRIAGE_USERGROUP",
        "DATABASE_URL",
        ".env.example",
    ):
        assert needle in message
    assert "8 settings need attention" in message


def test_socket_mode_needs_no_signing_secret() -> None:
    env = {**GOOD, "SLACK_APP_TOKEN": "xapp-1-abc"}
    del env["SLACK_SIGNING_SECRET"]
    assert Settings.from_env(env).socket_mode


def test_without_slack_the_credentials_may_be_missing() -> None:
    assert Settings.from_env({}, need_slack=False).ideas_channel == ""


def test_triage_users_and_api_url() -> None:
    s = Settings.from_env({**GOOD, "TRIAGE_USERS": " U1AAA , W2BBB ,", "SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert s.triage_users == frozenset({"U1AAA", "W2BBB"}) and s.slack_api_url == "http://127.0.0.1:9/api/"


def test_repr_hides_secrets() -> None:
    text = repr(Settings.from_env(GOOD))
    assert "xoxb" not in text and "s3cr3t" not in text


def test_digest_settings_defaults_and_validation() -> None:
    s = Settings.from_env(GOOD)
    assert (s.digest_schedule, s.digest_timezone, s.stale_after_days, s.invent_share_warning) == (
        "0 9 * * mon",
        "UTC",
        7,
        0.2,
    )
    assert s.digest_target == "C0123456789"  # the ideas channel when DIGEST_CHANNEL is unset
    tuned = Settings.from_env(
        {
            **GOOD,
            "DIGEST_CHANNEL": "#leadership",
            "DIGEST_TIMEZONE": "Europe/London",
            "STALE_AFTER_DAYS": "14",
            "INVENT_SHARE_WARNING": "25%",
        }
    )
    assert (tuned.digest_target, tuned.stale_after_days, tuned.invent_share_warning) == ("#leadership", 14, 0.25)
    bad = {
        "DIGEST_SCHEDULE": "every monday",
        "DIGEST_TIMEZONE": "Mars/Olympus",
        "STALE_AFTER_DAYS": "0",
        "INVENT_SHARE_WARNING": "1.5",
        "DIGEST_CHANNEL": "the leadership channel",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env({**GOOD, **bad})
    message = info.value.message()
    for name in bad:
        assert name in message


def test_post_interval_is_slacks_pace_unless_told() -> None:
    assert Settings.from_env(GOOD).post_interval == 1.0
    assert Settings.from_env({**GOOD, "SLACK_POST_INTERVAL": "0"}).post_interval == 0.0
    for bad in ("fast", "-1", "120"):
        with pytest.raises(ConfigError) as info:
            Settings.from_env({**GOOD, "SLACK_POST_INTERVAL": bad})
        assert "SLACK_POST_INTERVAL" in info.value.message()


@pytest.mark.parametrize(
    ("raw", "on"),
    [
        (None, True),
        ("", True),
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("false", False),
        ("OFF", False),
        ("0", False),
    ],
)
def test_digest_chart_is_on_unless_turned_off(raw: str | None, on: bool) -> None:
    env = GOOD if raw is None else {**GOOD, "DIGEST_CHART": raw}
    assert Settings.from_env(env).digest_chart is on


def test_digest_chart_must_be_true_or_false() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({**GOOD, "DIGEST_CHART": "sometimes"})
    assert "DIGEST_CHART must be true or false, got 'sometimes'" in info.value.message()


def test_digest_chart_is_in_the_example_env_file() -> None:
    from pathlib import Path

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    assert "\nDIGEST_CHART=true\n" in example
