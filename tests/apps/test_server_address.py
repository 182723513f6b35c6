"""apps/server_address.py: the server's address is written into the pages Streamlit serves, nothing else changes."""

from __future__ import annotations

import asyncio
import gzip

from apps.server_address import ServerAddressInPage, setting_script

PAGE = b"<!doctype html><html><head><meta charset='UTF-8'><script type=module src=./static/js/index.js></script></head>"


def served(messages: list[dict], scope_type: str = "http", method: str = "GET") -> list[dict]:
    """What the middleware sends on when the app behind it sends ``messages``."""

    async def inner(scope, receive, send):
        for message in messages:
            await send(message)

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": scope_type, "path": "/x", "method": method}
    asyncio.run(ServerAddressInPage(inner)(scope, receive, send))
    return sent


def start(content_type: str, *extra: tuple[bytes, bytes]) -> dict:
    return {"type": "http.response.start", "status": 200,
            "headers": [(b"content-type", content_type.encode()), *extra]}  # fmt: skip


def body_of(sent: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def header(sent: list[dict], name: bytes) -> bytes | None:
    return dict(sent[0]["headers"]).get(name)


def test_the_setting_is_the_first_thing_in_the_head_and_the_length_follows():
    sent = served([start("text/html", (b"content-length", str(len(PAGE)).encode())),
                   {"type": "http.response.body", "body": PAGE}])  # fmt: skip
    body = body_of(sent)
    assert body == PAGE.replace(b"<head>", b"<head>" + setting_script(""), 1)
    assert header(sent, b"content-length") == str(len(body)).encode()
    assert b'BACKEND_BASE_URL:new URL("/",window.location.origin).href' in body


def test_a_compressed_page_in_pieces_is_sent_whole_and_uncompressed():
    packed = gzip.compress(PAGE)
    sent = served([start("text/html; charset=utf-8", (b"content-encoding", b"gzip")),
                   {"type": "http.response.body", "body": packed[:10], "more_body": True},
                   {"type": "http.response.body", "body": packed[10:], "more_body": False}])  # fmt: skip
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert header(sent, b"content-encoding") is None
    assert body_of(sent).startswith(b"<!doctype html><html><head><script>window.__streamlit=")


def test_anything_but_html_passes_through_as_it_came():
    messages = [start("application/javascript", (b"content-encoding", b"gzip")),
                {"type": "http.response.body", "body": b"abc", "more_body": True},
                {"type": "http.response.body", "body": b"<head>", "more_body": False}]  # fmt: skip
    assert served(messages) == messages
    socket = [{"type": "websocket.accept"}, {"type": "websocket.send", "bytes": b"<head>"}]
    assert served(socket, scope_type="websocket") == socket
    head = [start("text/html", (b"content-length", str(len(PAGE)).encode())), {"type": "http.response.body"}]
    assert served(head, method="HEAD") == head  # the length of the page as it is, not of an empty body


def test_the_address_carries_streamlits_base_path():
    assert b'new URL("/mhw/apps",window.location.origin)' in setting_script("/mhw/apps/")
    assert b'new URL("/",window.location.origin)' in setting_script("")
