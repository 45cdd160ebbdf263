"""The stand-in's file upload (files.getUploadURLExternal, the upload, then
files.completeUploadExternal) through slack_sdk's files_upload_v2, over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_standin import SlackState, StandinServer
from bot.slack_standin.spec import NEWER_METHODS, methods


async def test_upload_into_a_thread_and_read_back() -> None:
    assert NEWER_METHODS["files.getUploadURLExternal"] == ("filename", "length")
    assert "files.getUploadURLExternal" not in methods()  # not in the 2021 spec
    state = SlackState()
    state.add_channel("C0AGREE01", "agreements")
    with StandinServer(state) as server:
        client = AsyncWebClient(token=state.token, base_url=server.base_url)
        parent = await client.chat_postMessage(channel="C0AGREE01", text="card")
        body = "# 服务级别协议\n\n| a | b |\n".encode()
        resp = await client.files_upload_v2(
            file_uploads=[
                {"content": body, "filename": "SLA-2026-0001_SLA_v1.zh-CN.md", "title": "SLA v1"}
            ],
            channel="C0AGREE01",
            thread_ts=parent["ts"],
        )
        assert resp["ok"] and resp["files"][0]["title"] == "SLA v1"
        (reply,) = state.thread("C0AGREE01", parent["ts"])[1:]
        (f,) = reply["files"]
        assert f["name"] == "SLA-2026-0001_SLA_v1.zh-CN.md" and f["size"] == len(body)
        assert f["filetype"] == "markdown" and f["mimetype"] == "text/markdown"
        async with httpx.AsyncClient() as http:
            got = await http.get(f["url_private"])
        assert got.status_code == 200 and got.content == body
        assert not state.violations()
        # completing an unknown file, or one whose bytes never came, is refused like Slack
        with pytest.raises(SlackApiError, match="file_not_found"):
            await client.files_completeUploadExternal(files=[{"id": "F0NOPE"}])
        pending = await client.files_getUploadURLExternal(filename="x.md", length=3)
        with pytest.raises(SlackApiError, match="upload_not_complete"):
            await client.files_completeUploadExternal(files=[{"id": pending["file_id"]}])
        with pytest.raises(SlackApiError, match="missing required field: length"):
            await client.api_call("files.getUploadURLExternal", params={"filename": "x"})
