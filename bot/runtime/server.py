"""The running bot: store, Slack clients, Bolt app, outbox worker, and HTTP or Socket Mode.

`Runtime` is what `ideabot run` starts and what the end-to-end tests start in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from aiohttp import web
from apscheduler.triggers.base import BaseTrigger
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.app import build_app
from bot.config import Settings
from bot.delivery.outbox import Backoff, ChannelPace, OutboxWorker
from bot.delivery.scheduler import DigestScheduler
from bot.deps import Deps, OutboxBell
from bot.domain import coach
from bot.judgment.gate import gate_model
from bot.judgment.similar_ideas import SimilarIdeas
from bot.runtime.identity import BotIdentity
from bot.runtime.leads import LeadDirectory
from bot.runtime.llm import ChatModel
from bot.runtime.payloads import malformed, reread_form
from bot.runtime.rewrite import REWRITE_BUDGET_S, Rewriter
from bot.runtime.same_problem import SIMILAR_BUDGET_S, SameProblemJudge
from bot.runtime.slack_clients import listener_client, slack_session, worker_client
from bot.runtime.socket_mode import PING_INTERVAL_S, WATCHDOG_AFTER_S, SocketModeRunner
from models.schema import prepare_schema
from models.store import Store
from models.tables import utcnow

log = logging.getLogger("ideabot.server")

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is not Slack


@dataclass
class RuntimeOptions:
    """Knobs the tests and the demo turn; production uses the defaults."""

    clock: Callable[[], datetime] = utcnow
    outbox_backoff: Backoff | None = None
    outbox_poll_interval: float = 1.0
    shutdown_timeout: float = 10.0
    digest_trigger: BaseTrigger | None = None  # None: DIGEST_SCHEDULE in DIGEST_TIMEZONE
    socket_ping_interval: float = PING_INTERVAL_S
    migrate: bool = False  # upgrade an out-of-date schema first (`ideabot run --migrate`)
    socket_watchdog_after: float = WATCHDOG_AFTER_S
    rewrite_budget: float = REWRITE_BUDGET_S  # how long a suggested wording may take (LLM_* settings)
    similar_budget: float = SIMILAR_BUDGET_S  # how long the model's look at similar ideas may take


class Runtime:
    """One running ideabot process."""

    def __init__(self, settings: Settings, options: RuntimeOptions | None = None) -> None:
        self.settings = settings
        self.options = options or RuntimeOptions()
        self.store: Store | None = None
        self.app: AsyncApp | None = None
        self.worker: OutboxWorker | None = None  # delivering in this process (None: DELIVERY=external)
        self.digests: DigestScheduler | None = None
        self.port: int | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.socket: SocketModeRunner | None = None
        self.model: ChatModel | None = None
        self.rewriter: Rewriter | None = None
        self.similar_judge: SameProblemJudge | None = None
        self.deps: Deps | None = None
        self._tasks: list[asyncio.Task] = []
        self._catch_up: asyncio.Task | None = None

    @property
    def url(self) -> str:
        """Where Slack should send requests in HTTP mode."""
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    async def start(self) -> None:
        """Open the database, build the app, start the outbox worker and start serving."""
        settings = self.settings
        self.store = Store.from_url(settings.database_url, similar=SimilarIdeas)
        try:
            await prepare_schema(self.store, migrate=self.options.migrate)
        except BaseException:
            await self.store.close()
            self.store = None
            raise
        gate_model()  # the problem gate's classifier, read once now rather than on the first submission
        coach.warm_up()  # the coaching examples' vectors, likewise
        self._connect_model()
        self._session = slack_session()
        client = listener_client(settings, self._session)
        self.identity = BotIdentity(client, settings.slack_bot_token)
        self._tasks.append(asyncio.create_task(self.identity.warm_up(), name="auth-test"))
        # Every open idea's vector, for the similar-idea hint: built while requests are served (a
        # few seconds at 100,000 ideas; submissions meanwhile are compared with what is in so far).
        self._tasks.append(asyncio.create_task(self.store.build_similar_index(), name="similar-index"))
        wake: Callable[[], None] = _nobody  # DELIVERY=external: `ideabot deliver` looks for itself
        if settings.delivery == "inline":
            self.worker = OutboxWorker(
                store=self.store,
                client=worker_client(settings, self._session),
                settings=settings,
                clock=self.options.clock,
                backoff=self.options.outbox_backoff,
                poll_interval=self.options.outbox_poll_interval,
                workspace_url=self.identity.workspace_url,
                pace=ChannelPace(settings.post_interval),
            )
            wake = self.worker.wake
        leads = LeadDirectory(users=settings.triage_users, usergroup=settings.triage_usergroup, client=client)
        self.deps = deps = Deps(
            settings=settings,
            store=self.store,
            leads=leads,
            outbox=OutboxBell(wake),
            clock=self.options.clock,
            rewriter=self.rewriter,
            similar_judge=self.similar_judge,
        )
        # Bolt takes the token from `authorize` (the identity); its own client carries none.
        app_client = listener_client(settings, self._session, token=False)
        self.app = build_app(deps, client=app_client, identity=self.identity)
        if self.worker is not None:
            await self.worker.recover()
            self._tasks.append(asyncio.create_task(self.worker.run(), name="outbox"))
        self.digests = DigestScheduler(
            settings=settings,
            store=self.store,
            wake_outbox=wake,
            clock=self.options.clock,
            trigger=self.options.digest_trigger,
        )
        self.digests.start()
        # A period missed while the bot was down is posted now (once, whoever gets there first).
        self._catch_up = asyncio.create_task(self.digests._job(), name="digest-catch-up")
        self._tasks.append(self._catch_up)

        if settings.socket_mode:
            self.socket = SocketModeRunner(
                self.app,
                app_token=settings.slack_app_token,
                web_client=client,
                ping_interval=self.options.socket_ping_interval,
                watchdog_after=self.options.socket_watchdog_after,
            )
            await self.socket.start()
            log.info("ideabot is running in Socket Mode")
        else:
            web_app = web.Application(client_max_size=MAX_BODY_BYTES)
            web_app.router.add_post(EVENTS_PATH, self._handle_slack)
            web_app.router.add_get("/healthz", self._handle_health)
            self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=self.options.shutdown_timeout)
            await self._runner.setup()
            site = web.TCPSite(self._runner, settings.host, settings.port)
            await site.start()
            sockets = getattr(site._server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1] if sockets else settings.port
            log.info("ideabot is listening on http://%s:%s%s", settings.host, self.port, EVENTS_PATH)

        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's sight, so its full collections stay short (a long one pauses every request).
        gc.freeze()

    async def stop(self) -> None:
        """Stop taking requests, let listeners and the delivery under way finish, release everything."""
        timeout = self.options.shutdown_timeout
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.digests is not None:
            self.digests.shutdown()
        await self.wait_for_listeners(timeout)
        if self.worker is not None:
            await self.worker.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=timeout)
        if self._session is not None:
            await self._session.close()
        if self.model is not None:
            await self.model.close()
        if self.store is not None:
            await self.store.close()
        log.info("ideabot stopped")

    def _connect_model(self) -> None:
        """The language model's client, its suggested rewrites and (LLM_SIMILAR_IDEAS) its look at
        similar ideas, when LLM_BASE_URL and LLM_MODEL are set (its SDK imported now)."""
        settings, options = self.settings, self.options
        if not settings.llm_enabled:
            return
        timeout = max(options.rewrite_budget, options.similar_budget)
        self.model = ChatModel(
            base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key, timeout=timeout
        )
        self.model.start()
        self.rewriter = Rewriter(self.model, budget=options.rewrite_budget)
        log.info("suggested rewrites by the language model %s are on", settings.llm_model)
        if settings.llm_similar_ideas:
            self.similar_judge = SameProblemJudge(self.model, budget=options.similar_budget)
            log.info("the language model %s looks at similar ideas too", settings.llm_model)

    async def digest_caught_up(self) -> None:
        """Wait until start-up's look for a digest period missed while the bot was down is done."""
        if self._catch_up is not None:
            await asyncio.wait({self._catch_up})

    async def wait_for_listeners(self, timeout: float) -> None:
        """Wait (bounded) for listeners still working: Slack has had its answer, their work goes on."""
        if self.deps is not None and not await self.deps.listeners.idle(timeout):
            log.warning("shutdown: %d listeners were still running after %.0fs", self.deps.listeners.running, timeout)

    async def _handle_slack(self, request: web.Request) -> web.StreamResponse:
        """Slack's requests, through Bolt's aiohttp adapter: Bolt parses, verifies the signature
        (and answers Slack's unsigned ssl_check), dispatches; ideabot adds two checks first."""
        assert self.app is not None
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            # Not JSON where JSON was announced, or a body Bolt's reader trips over: not Slack's.
            log.warning("rejected a request that is not a Slack payload: %s", type(error).__name__)
            return web.json_response({"error": "malformed request"}, status=400)
        reread_form(bolt_request)  # Bolt 1.x drops a slash command whose form mentions "payload"
        # Before dispatch, not as a Bolt middleware: Bolt builds every middleware's and error
        # handler's arguments from the body first (`body["actions"][0]`), so a payload Slack would
        # never send crashes Bolt before any middleware could refuse it (tests/e2e/test_fuzz.py).
        reason = malformed(bolt_request.body)
        if reason:
            log.warning("rejected a request that is not a well-formed Slack payload: %s", reason)
            return web.json_response({"error": "malformed request"}, status=400)
        bolt_response = await self.app.async_dispatch(bolt_request)
        if bolt_response.status == 401:
            # Bolt's own line for this carries the body at INFO; ideabot quiets it and says only this.
            log.warning("rejected a request with a bad or missing signature (%d bytes)", len(bolt_request.raw_body))
        return await to_aiohttp_response(bolt_response)

    async def _handle_health(self, _request: web.Request) -> web.StreamResponse:
        assert self.store is not None
        try:
            counts = await self.store.outbox_counts()
        except Exception as error:  # health must answer, whatever broke
            return web.json_response({"ok": False, "database": type(error).__name__}, status=503)
        health: dict = {"ok": True, "outbox": {"pending": counts.get("pending", 0), "failed": counts.get("failed", 0)}}
        if self.worker is None:
            health["delivery"] = "external"  # `ideabot deliver` processes post what is owed
        return web.json_response(health)


def _nobody() -> None:
    """No worker in this process to wake (DELIVERY=external)."""
