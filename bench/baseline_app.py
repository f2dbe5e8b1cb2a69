"""The benchmark's baseline: a minimal Bolt AsyncApp, the cost of Bolt alone.

`/idea` acks and calls views.open; a view submission acks and posts one message; a button acks.
It is served exactly as ideabot is (aiohttp, Bolt's aiohttp adapter, the same client settings),
so the difference the benchmark measures is what ideabot itself adds.

    python bench/baseline_app.py --port 3100 --api-url http://127.0.0.1:PORT/api/ --token xoxb-… --secret …
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

CHANNEL = "C0000IDEAS"


def build(token: str, secret: str, api_url: str, session: aiohttp.ClientSession) -> AsyncApp:
    """The minimal app."""
    client = AsyncWebClient(token=token, base_url=api_url, session=session)
    app = AsyncApp(client=client, signing_secret=secret)

    @app.command("/idea")
    async def command(ack, body, client):
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "idea_modal",
                "title": {"type": "plain_text", "text": "Idea"},
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}],
            },
        )

    @app.view("idea_modal")
    async def submission(ack, view, client):
        await ack()
        title = view["state"]["values"]["title"]["title"]["value"]
        await client.chat_postMessage(channel=CHANNEL, text=title)

    @app.action("support")
    async def support(ack):
        await ack()

    return app


async def serve(args: argparse.Namespace) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:
        app = build(args.token, args.secret, args.api_url, session)

        async def events(request: web.Request) -> web.StreamResponse:
            return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

        async def health(_request: web.Request) -> web.StreamResponse:
            return web.json_response({"ok": True})

        web_app = web.Application()
        web_app.router.add_post("/slack/events", events)
        web_app.router.add_get("/healthz", health)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
