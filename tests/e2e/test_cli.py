"""The `ideabot` command as a user runs it: real processes, real signals."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import aiohttp

from bot.standin import SlackDriver, SlackWebAPIStandIn
from bot.standin.local import SIGNING_SECRET

IDEABOT = [sys.executable, "-m", "bot"]


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*IDEABOT, *args], capture_output=True, text=True, env=env, timeout=timeout)


def clean_env(**extra: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IDEAS_", "TRIAGE_", "DATABASE_"))}
    return {**keep, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_lists_the_subcommands() -> None:
    result = run("--help", env=clean_env())
    assert result.returncode == 0
    for command in ("run", "demo", "outbox"):
        assert command in result.stdout


def test_missing_settings_stop_startup_with_one_clear_message(tmp_path) -> None:
    result = subprocess.run(
        [*IDEABOT, "--env-file", str(tmp_path / "none.env"), "run"],
        capture_output=True,
        text=True,
        env=clean_env(PORT="http"),
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for needle in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "IDEAS_CHANNEL", "PORT", ".env.example"):
        assert needle in result.stderr


def test_env_file_is_read_but_real_environment_wins(tmp_path) -> None:
    env_file = tmp_path / "test.env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nPORT=not-a-port\n")
    result = subprocess.run(
        [*IDEABOT, "--env-file", str(env_file), "run"],
        capture_output=True,
        text=True,
        env=clean_env(PORT="4000"),
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" not in result.stderr  # came from the file
    assert "PORT" not in result.stderr  # the environment's 4000 won over the file


def test_demo_runs_the_whole_pipeline_offline() -> None:
    result = run("demo", env=clean_env())
    assert result.returncode == 0, result.stderr
    for needle in ("reads like a solution", "accepted and flagged", "IDEA-4", "Similar to IDEA-1", "Thanks"):
        assert needle in result.stdout, needle


async def test_run_serves_http_and_stops_cleanly_on_sigterm(tmp_path) -> None:
    standin = SlackWebAPIStandIn()
    await standin.start()
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.url,
        IDEAS_CHANNEL="C0000IDEAS",
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        *IDEABOT,
        "--env-file",
        str(tmp_path / "none.env"),
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
    try:
        deadline = time.monotonic() + 20
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        health = await response.json()
                        break
                except aiohttp.ClientError:
                    assert time.monotonic() < deadline, "ideabot run never came up"
                    await asyncio.sleep(0.1)
        assert health["ok"] is True
        reply = await driver.command("")
        assert reply.status == 200
        deadline = time.monotonic() + 5
        while not standin.calls_to("views.open"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=15)
        assert process.returncode == 0
        log = output.decode()
        assert "ideabot stopped" in log
        assert standin.token not in log and SIGNING_SECRET not in log
    finally:
        await driver.close()
        if process.returncode is None:
            process.kill()
            await process.wait()
        await standin.stop()
