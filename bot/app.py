"""Build the Bolt app: dependencies in the context, one error handler, every listener registered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.runtime.identity import BotIdentity
from bot.runtime.payloads import request_kind
from handlers import register_handlers

log = logging.getLogger("ideabot")


def build_app(deps: Deps, *, client: AsyncWebClient, identity: BotIdentity) -> AsyncApp:
    """A new Bolt app for these dependencies (one per process, and one per test)."""

    async def authorize() -> AuthorizeResult:
        return await identity.authorize()

    # Bolt's INFO and DEBUG lines carry whole payloads (a rejected signature logs the body it
    # came with); ideabot logs what happened itself, in ids only, so Bolt says only what is wrong.
    bolt_log = logging.getLogger("ideabot.bolt")
    bolt_log.setLevel(logging.WARNING)
    app = AsyncApp(
        client=client,
        authorize=authorize,
        # Bolt verifies every HTTP request's signature; Socket Mode requests are not signed, and
        # Bolt still wants a value.
        signing_secret=deps.settings.slack_signing_secret or "unused-in-socket-mode",
        logger=bolt_log,
        # Bolt gives the logger named after the app the base logger's level and handlers: name it
        # after that logger, or Bolt would quiet "ideabot" too.
        name=bolt_log.name,
        # Unmatched requests go to handle_error (Bolt would log the whole payload otherwise).
        raise_error_for_unhandled_request=True,
    )

    async def inject_deps(context: dict, next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    app.use(inject_deps)

    @app.error
    async def handle_error(error: Exception, body: dict, response: BoltResponse | None) -> None:
        kind = request_kind(body)  # ids only: never what anyone wrote
        if isinstance(error, BoltUnhandledRequestError):
            # A payload ideabot does not use: acknowledge it, or Slack retries events and shows
            # the person an error for a click that did nothing harmful.
            log.info("no listener for a %s request: acknowledged, nothing done", kind)
            if response is not None:
                response.status, response.body = 200, ""
            return
        log.error("listener failed on a %s request: %s", kind, error, exc_info=error)

    register_handlers(app)
    return app
