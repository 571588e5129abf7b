"""A real websocket client (the websockets library) against the live uvicorn server."""

import asyncio
import json
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from django.conf import settings
from websockets.asyncio.client import connect


@asynccontextmanager
async def live_socket(base_url: str, cookie: str):
    """A tab's socket past its hello frame. No protocol pings: an idle socket stays idle."""
    url = f"ws://{urlsplit(base_url).netloc}/ws/"
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
    async with connect(url, origin=base_url, additional_headers=headers, ping_interval=None) as ws:
        assert (await next_frame(ws))["type"] == "hello"
        yield ws


async def next_frame(ws, timeout_s: float = 5.0) -> dict:
    """The next frame; ConnectionClosed if the server closed the socket instead."""
    return json.loads(await asyncio.wait_for(ws.recv(decode=True), timeout_s))


async def close_code(ws, timeout_s: float = 5.0) -> int | None:
    """The code the server closed the socket with; None if it is still open after timeout_s."""
    try:
        await asyncio.wait_for(ws.wait_closed(), timeout_s)
    except TimeoutError:
        return None
    return ws.close_code
