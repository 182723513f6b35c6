"""Every page the app serves tells Streamlit's front end where its server is, so a link opens without a detour.

Opened at an address other than the root (`/benchmark-explorer?…`), Streamlit's front end first looks for its
server under the page's own path, is answered 404, waits its 100 ms retry period and only then tries the root: a
tenth of a second on every shared link but the Overview's (docs/benchmarks.md, "A page opened as a link"). The front
end skips that search when the page sets `window.__streamlit.BACKEND_BASE_URL` before its scripts run; this ASGI
middleware writes that setting into the HTML Streamlit serves (its `index.html`, the same for every page), and passes
every other response through untouched.
"""

from __future__ import annotations

import gzip
import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def setting_script(base_path: str) -> bytes:
    """The inline script that sets the server's address: the page's origin and Streamlit's base path."""
    path = "/" + base_path.strip("/")
    return (
        "<script>window.__streamlit=Object.assign({},window.__streamlit,"
        f"{{BACKEND_BASE_URL:new URL({json.dumps(path)},window.location.origin).href}});</script>"
    ).encode()


class ServerAddressInPage:
    """ASGI middleware: the setting script written first into the `<head>` of every HTML page answering a GET."""

    def __init__(self, app: ASGIApp, base_path: str = "") -> None:
        self.app = app
        self.script = setting_script(base_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":  # a HEAD's headers describe the page as it is
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if Headers(raw=message["headers"]).get("content-type", "").startswith("text/html"):
                    start = message  # held until the whole page is here
                    return
                await send(message)
            elif start is None:
                await send(message)
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._send_with_script(start, b"".join(chunks), send)

        await self.app(scope, receive, send_page)

    async def _send_with_script(self, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(raw=list(start["headers"]))
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
            del headers["content-encoding"]
        body = body.replace(b"<head>", b"<head>" + self.script, 1)
        headers["content-length"] = str(len(body))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})
