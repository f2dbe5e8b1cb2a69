"""The apps a benchmark drives, each as an operating-system process: start, CPU, memory, stop."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp

from bot.standin import SlackDriver

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret-0123456789"  # the signing secret both apps are started with


class App:
    """One app under test, as a process with a signed driver."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, *, cwd: Path = ROOT) -> None:
        self.name, self.command, self.env, self.port, self.cwd = name, command, env, port, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.driver: SlackDriver | None = None
        self.submitted = 0

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{self.name} did not start")
        self.driver = SlackDriver(f"http://127.0.0.1:{self.port}/slack/events", SECRET, timeout=30)

    def pids(self) -> list[int]:
        """The app's process and its descendants (the baseline and ideabot run none today)."""
        assert self.process is not None
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        tree = [self.process.pid]
        for pid in tree:
            tree += [child for child, parent in parents.items() if parent == pid]
        return tree

    def cpu_by_process(self) -> dict[str, float]:
        """User + system CPU seconds so far of each of the app's processes (all threads), by role."""
        seconds: dict[str, float] = {}
        server, *others = self.pids()
        for pid in [server, *others]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            role = "server" if pid == server else "delivery" if b"bot.delivery.deliverer" in command else "other"
            seconds[role] = seconds.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return seconds

    def rss_mb(self) -> float:
        """Resident memory of the app now (all its processes)."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the app's processes (all their threads)."""
        return sum(self.cpu_by_process().values())

    async def stop(self) -> None:
        if self.driver is not None:
            await self.driver.close()
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=30)
            except TimeoutError:
                self.process.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
