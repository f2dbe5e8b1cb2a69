"""The stand-in's file uploads answer slack_sdk's `files_upload_v2` as Slack does, and refuse what Slack refuses."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.standin import SlackWebAPIStandIn
from bot.standin.files import UPLOAD_METHOD


def client(standin: SlackWebAPIStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=standin.token, base_url=standin.url)


async def test_files_upload_v2_shares_a_file_in_a_channel(standin: SlackWebAPIStandIn) -> None:
    web = client(standin)
    answer = await web.files_upload_v2(
        channel="C0000LEADS", file=b"\x89PNG fake", filename="chart.png", title="The chart", alt_txt="A chart"
    )
    assert answer["file"]["id"].startswith("F") and answer["file"]["title"] == "The chart"
    url_call = next(c for c in standin.calls if c.method == "files.getUploadURLExternal")
    assert url_call.result["upload_url"].startswith(f"http://127.0.0.1:{standin.port}/upload/v1/F")
    (stored,) = standin.shared_files("C0000LEADS")
    assert (stored.data, stored.name, stored.alt_txt) == (b"\x89PNG fake", "chart.png", "A chart")
    history = await web.conversations_history(channel="C0000LEADS")
    (message,) = history["messages"]
    assert message["upload"] is True and message["files"][0]["name"] == "chart.png"
    assert message["files"][0]["mimetype"] == "image/png"
    assert [c.method for c in standin.calls][:3] == [
        "files.getUploadURLExternal",
        UPLOAD_METHOD,
        "files.completeUploadExternal",
    ]


async def test_a_file_is_shared_in_a_thread_only_under_a_message_that_exists(standin: SlackWebAPIStandIn) -> None:
    web = client(standin)
    posted = await web.chat_postMessage(channel="C0000LEADS", text="The digest")
    await web.files_upload_v2(channel="C0000LEADS", file=b"png", filename="a.png", thread_ts=posted["ts"])
    assert standin.channel_messages("C0000LEADS")[-1].thread_ts == posted["ts"]
    with pytest.raises(SlackApiError) as refused:
        await web.files_upload_v2(channel="C0000LEADS", file=b"png", filename="b.png", thread_ts="1.000009")
    assert refused.value.response["error"] == "invalid_thread_ts"


async def test_what_slack_refuses(standin: SlackWebAPIStandIn) -> None:
    web = client(standin)
    with pytest.raises(SlackApiError) as long_alt:
        await web.files_upload_v2(channel="C0000LEADS", file=b"png", filename="a.png", alt_txt="x" * 1001)
    assert long_alt.value.response["error"] == "alt_txt_too_large"
    with pytest.raises(SlackApiError) as empty:
        await web.files_getUploadURLExternal(filename="a.png", length=0)
    assert empty.value.response["error"] == "missing_argument"
    url = await web.files_getUploadURLExternal(filename="a.png", length=3)
    with pytest.raises(SlackApiError) as not_uploaded:  # completed before its bytes arrived
        await web.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="C0000LEADS")
    assert not_uploaded.value.response["error"] == "file_not_found"
    standin.missing_channels.add("C0000GONE1")
    with pytest.raises(SlackApiError) as gone:
        await web.files_upload_v2(channel="C0000GONE1", file=b"png", filename="a.png")
    assert gone.value.response["error"] == "channel_not_found"
    assert standin.shared_files("C0000LEADS") == []


async def test_failures_are_injected_in_each_step(standin: SlackWebAPIStandIn) -> None:
    web = client(standin)
    standin.fail(UPLOAD_METHOD, status=500)
    with pytest.raises(SlackRequestError, match="status: 500"):
        await web.files_upload_v2(channel="C0000LEADS", file=b"png", filename="a.png")
    standin.fail("files.completeUploadExternal", status=500, done=True)  # done, but the answer is lost
    with pytest.raises(SlackApiError):
        await web.files_upload_v2(channel="C0000LEADS", file=b"png", filename="b.png")
    assert [f.name for f in standin.shared_files("C0000LEADS")] == ["b.png"]
    assert json.loads(standin.calls[-1].args["files"])[0]["id"].startswith("F")
