"""Delivery on a core of its own: the outbox worker in a child process.

In one process the acks and the deliveries (cards, receipts, thread replies, DMs, digests) share
one core — Python runs one thread at a time — and a submission's delivery costs about as much
CPU as answering it. Under a burst the acks then wait behind deliveries. With `DELIVERY=process`
(the default on SQLite where the machine has two CPUs or more) `ideabot run` starts this child, which
runs the same `OutboxWorker` on its own connections:

- `python -m bot.delivery`, started with a pipe as its standard input: the parent writes the
  settings first, then a byte after every change that owes Slack a message (`wake`); the child
  also looks every `poll_interval` seconds, as the in-process worker does;
- the child stops when the pipe closes: the parent stopped, or died (it never outlives it);
- the parent restarts a child that exits on its own (1 s, 2 s, … 30 s apart); what it held
  leased is freed by the next child's `recover()`, and nothing is lost: owed messages are rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

from bot.config import Settings
from bot.identity import BotIdentity
from bot.logs import configure_logging
from bot.outbox import ChannelPace, OutboxWorker
from bot.slack_clients import listener_client, slack_session, worker_client
from models.db import is_sqlite
from models.store import Store

log = logging.getLogger("ideabot.delivery")

RESTART_MAX_S = 30.0
# Items a claim takes (the in-process worker takes 16, leaving the shared core to the acks). With
# a core of its own the worker gains by keeping more posts in flight: on a burst of 1,500
# submissions at concurrency 10, the card's p50 delay fell from 1.1-1.8 s (16) to 0.3 s (64).
BATCH = 64


def wanted(setting: str, database_url: str) -> bool:
    """Whether DELIVERY (`auto`, `process` or `inline`) asks for a delivery process here.

    `auto` means yes on SQLite with two CPUs or more. On PostgreSQL a company scales out by
    running copies, and a delivery process would double each copy's database connections
    (25 → 50), so there it is opt-in (`DELIVERY=process`).
    """
    if setting == "auto":
        return is_sqlite(database_url) and _cpus() >= 2
    return setting == "process"


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class DeliveryProcess:
    """The parent's handle on the delivery child: start, wake, supervise, stop."""

    def __init__(self, settings: Settings, *, poll_interval: float = 1.0) -> None:
        self.settings = settings
        self.poll_interval = poll_interval
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._started_at = 0.0
        self._stopping = False
        self._supervisor: asyncio.Task | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def status(self) -> dict[str, object]:
        """For /healthz: the child's pid, whether it runs, and how often it was restarted."""
        process = self.process
        running = process is not None and process.poll() is None
        return {"process": process.pid if running else None, "running": running, "restarts": self.restarts}

    def start(self) -> None:
        """Start the child (and, from a running event loop, the task that restarts it)."""
        package_root = str(Path(__file__).resolve().parent.parent)  # where `bot` is, installed or not
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen([sys.executable, "-m", "bot.delivery"], stdin=subprocess.PIPE, env=env)
        assert process.stdin is not None
        blob = pickle.dumps((self.settings, self.poll_interval))
        try:
            process.stdin.write(struct.pack(">I", len(blob)) + blob)  # far below a pipe's buffer
            process.stdin.flush()
        except BrokenPipeError:
            pass  # it died at once: the supervisor sees it exit
        os.set_blocking(process.stdin.fileno(), False)
        self.process, self._started_at = process, time.monotonic()
        log.info("delivery process %s started", process.pid)
        if self._supervisor is None:
            self._supervisor = asyncio.get_running_loop().create_task(self._supervise(), name="delivery-supervisor")

    def wake(self) -> None:
        """Tell the child that something is owed (never blocks, never raises)."""
        process = self.process
        if process is None or process.stdin is None or process.stdin.closed:
            return
        with contextlib.suppress(OSError):
            # A full pipe already holds wake-ups (BlockingIOError); a broken one means the child
            # is gone and the supervisor is starting another, which looks at the outbox as it starts.
            os.write(process.stdin.fileno(), b"!")

    async def _supervise(self) -> None:
        delay = 1.0
        while not self._stopping:
            await asyncio.sleep(0.2)
            process = self.process
            if process is None or process.poll() is None or self._stopping:
                continue
            if time.monotonic() - self._started_at > 60:
                delay = 1.0  # it had been running well: this is a new failure, not the same one again
            log.error("the delivery process exited (code %s); starting another in %.0fs", process.returncode, delay)
            _close(process)
            await asyncio.sleep(delay)
            if self._stopping:
                return
            delay = min(RESTART_MAX_S, delay * 2)
            self.restarts += 1
            self.start()

    async def stop(self, timeout: float) -> None:
        """Close the pipe (the child finishes the delivery under way and exits); wait, then insist."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        process = self.process
        if process is None:
            return
        _close(process)
        for how, ending, wait in (
            ("", None, timeout),
            ("terminating", process.terminate, 5.0),
            ("killing", process.kill, 5.0),
        ):
            if ending is not None:
                log.warning("the delivery process did not stop in time; %s it", how)
                ending()
            try:
                await asyncio.to_thread(process.wait, wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None


def _close(process: subprocess.Popen) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()


# --- in the child ---------------------------------------------------------------------------


def main() -> None:
    """`python -m bot.delivery`: read the settings the parent wrote, then deliver until EOF."""
    fd = sys.stdin.fileno()  # read unbuffered: what follows the settings is the event loop's
    header = _read_exactly(fd, 4)
    if len(header) < 4:
        sys.exit("bot.delivery is started by `ideabot run` (DELIVERY=process), not by hand")
    settings, poll_interval = pickle.loads(_read_exactly(fd, struct.unpack(">I", header)[0]))
    configure_logging(
        settings.log_level,
        secrets=[settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token],
    )
    # Ctrl-C reaches the whole process group: the parent decides when delivery stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_deliver(settings, fd, poll_interval))


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            break
        data += chunk
    return data


async def _deliver(settings: Settings, fd: int, poll_interval: float) -> None:
    store = Store.from_url(settings.database_url)
    session = slack_session()
    identity = BotIdentity(listener_client(settings, session), settings.slack_bot_token)
    warm_up = asyncio.create_task(identity.warm_up(), name="auth-test")
    worker = OutboxWorker(
        store=store,
        client=worker_client(settings, session),
        settings=settings,
        poll_interval=poll_interval,
        workspace_url=identity.workspace_url,
        batch=BATCH,
        pace=ChannelPace(settings.post_interval),
    )
    loop = asyncio.get_running_loop()

    def readable() -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            worker.wake()
        else:  # the parent closed the pipe, or died
            loop.remove_reader(fd)
            worker.request_stop()

    os.set_blocking(fd, False)
    loop.add_reader(fd, readable)
    loop.add_signal_handler(signal.SIGTERM, worker.request_stop)
    try:
        await worker.recover()
        await worker.run()
    finally:
        warm_up.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await warm_up
        await session.close()
        await store.close()


if __name__ == "__main__":
    main()
