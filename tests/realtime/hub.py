"""Helpers to drive the hub as a browser tab does: session cookie, allowed Origin, frames."""

import redis
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from contactcenter.asgi import application
from inbox.models import EventType
from inbox.services.events import record_event


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(
    cookie: str | None, origin: bytes = b"http://testserver", path: str = "/ws/"
) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def opened(cookie: str, *, last_seq: int | None = None) -> WebsocketCommunicator:
    """A connected socket past its hello frame."""
    path = "/ws/" if last_seq is None else f"/ws/?last_seq={last_seq}"
    ws = communicator(cookie, path=path)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def heard(ws: WebsocketCommunicator, timeout: float = 5.0) -> dict | None:
    try:
        return await ws.receive_json_from(timeout=timeout)
    except TimeoutError:
        return None


async def closed_with(ws: WebsocketCommunicator, timeout: float = 2.0) -> int | None:
    """The close code of the next frame, None if the next frame is not a close."""
    output = await ws.receive_output(timeout=timeout)
    return output.get("code") if output["type"] == "websocket.close" else None


def emit(conversation, kind=EventType.MESSAGE_RECEIVED, **kwargs):
    """One event in its own committed transaction (as a service writes it)."""
    with transaction.atomic():
        return record_event(conversation, kind, data={"preview": "hi"}, **kwargs)


def seq_of(event) -> int:
    event.refresh_from_db()
    return event.seq


def flush_channel_layer() -> None:
    """What a Redis restart does to the channel layer: every group (and queued push) is gone."""
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    with redis.Redis.from_url(host["address"]) as connection:
        connection.flushdb()
