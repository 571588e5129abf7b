"""A tab's socket on the real server (uvicorn) and the real channel layer, as a browser holds it."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from tests.factories import ConversationFactory

from .hub import emit
from .live import live_socket, next_frame

pytestmark = pytest.mark.django_db(transaction=True)

make_conversation = sync_to_async(ConversationFactory)


async def test_an_idle_socket_still_hears_a_push_after_the_redis_read_timeout(
    asgi_server, cookies, bob, tenant_a
):
    conversation = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    async with live_socket(asgi_server, cookies["bob@a.test"]) as ws:
        # Idle for longer than redis-py 8's default socket read time-out (5 s), which broke
        # the channel layer's blocking read and dropped the socket.
        await asyncio.sleep(7)

        event = await sync_to_async(emit)(conversation)

        assert (await next_frame(ws))["id"] == event.pk
