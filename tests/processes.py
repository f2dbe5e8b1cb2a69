"""`ideabot run` as a real operating-system process, for crash, signal and multi-process tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from bot.standin import SlackDriver, SlackWebAPIStandIn
from bot.standin.local import IDEAS_CHANNEL, SIGNING_SECRET

SETTINGS_PREFIXES = ("SLACK_", "IDEAS_", "TRIAGE_", "DIGEST_", "DATABASE_", "PORT", "HOST", "DELIVERY")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(standin: SlackWebAPIStandIn, db: Path | str, port: int, **extra: str) -> dict[str, str]:
    """The environment of an `ideabot run` against the stand-in."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
    return {
        **keep,
        "SLACK_BOT_TOKEN": standin.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.url,
        "SLACK_POST_INTERVAL": "0",  # the stand-in takes posts as fast as they come
        "IDEAS_CHANNEL": IDEAS_CHANNEL,
        "TRIAGE_USERS": "U0000LEAD1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": db if isinstance(db, str) else f"sqlite+aiosqlite:///{db}",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def python_prints(code: str, *, timeout: float = 120) -> list[str]:
    """What a fresh Python running `code` prints, as words (it must exit 0): for what-gets-imported checks."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.split()


async def ideabot(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """Run one `ideabot` command to its end, in the real environment minus ideabot's settings plus `env`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--env-file",
        "/nonexistent",
        *args,
        env={**keep, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=timeout)
    return subprocess.CompletedProcess(list(args), process.returncode or 0, out.decode(), err.decode())


class BotProcess:
    """One `ideabot run` (or `ideabot deliver`) process; its output is collected in `.log`."""

    def __init__(
        self, standin: SlackWebAPIStandIn, db: Path | str, *, cwd: Path, command: str = "run", **extra: str
    ) -> None:
        self.port = free_port()
        self.env = bot_env(standin, db, self.port, **extra)
        self.cwd = cwd
        self.command = command
        self.process: asyncio.subprocess.Process | None = None
        self.log = ""
        self._reader: asyncio.Task | None = None
        self.driver = SlackDriver(f"http://127.0.0.1:{self.port}/slack/events", SIGNING_SECRET)

    async def start(self, *, timeout: float = 30.0) -> None:
        """Start the process and wait until it is ready: /healthz answers, or `ideabot deliver` says it delivers."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--env-file",
            str(self.cwd / "absent.env"),
            self.command,
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        deadline = time.monotonic() + timeout
        if self.command == "deliver":  # serves no HTTP: ready once it says so (its signal handlers are set)
            while "ideabot deliver: delivering" not in self.log:
                assert self.process.returncode is None, f"ideabot deliver exited:\n{self.log}"
                assert time.monotonic() < deadline, f"ideabot deliver never came up:\n{self.log}"
                await asyncio.sleep(0.05)
            return
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.process.returncode is None, f"ideabot run exited:\n{self.log}"
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, f"ideabot run never came up:\n{self.log}"
                await asyncio.sleep(0.1)

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.log += line.decode(errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 30.0) -> int:
        """Send `sig` and wait for the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), timeout=timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout=5)
        return code

    async def close(self) -> None:
        """Kill the process if it still runs; close the driver."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await self.driver.close()
