"""A tab's socket on the real server (uvicorn) and the real channel layer, as a browser holds it."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from contactcenter.accounts.models import Membership
from routing.services.presence import mark_silent_agents_offline, set_presence
from tests.factories import AgentProfileFactory, ConversationFactory

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


@sync_to_async
def agent_profile(user, tenant, **fields):
    membership = Membership.objects.get(user=user, tenant=tenant)
    return AgentProfileFactory(tenant=tenant, membership=membership, **fields)


@sync_to_async
def presence_after_sweep(profile, *, at) -> str:
    mark_silent_agents_offline(now=at, after_s=settings.ROUTING_SILENT_AFTER_S)
    profile.refresh_from_db()
    return profile.presence


async def test_an_agent_who_chooses_available_right_after_connecting_is_not_swept(
    asgi_server, cookies, bob, tenant_a
):
    yesterday = timezone.now() - timedelta(days=1)
    profile = await agent_profile(bob, tenant_a, presence="offline", last_heartbeat_at=yesterday)
    async with live_socket(asgi_server, cookies["bob@a.test"]):
        await sync_to_async(set_presence)(tenant_a, agent=profile, presence="available")

        assert await presence_after_sweep(profile, at=timezone.now()) == "available"


async def test_connecting_counts_as_a_heartbeat(asgi_server, cookies, bob, tenant_a):
    """A tab reloaded 80 s after the last ping: its first ping is 20 s away, the sweep is not."""
    silent_for = timedelta(seconds=settings.ROUTING_SILENT_AFTER_S - 10)
    profile = await agent_profile(bob, tenant_a, last_heartbeat_at=timezone.now() - silent_for)
    async with live_socket(asgi_server, cookies["bob@a.test"]):
        later = timezone.now() + timedelta(seconds=15)

        assert await presence_after_sweep(profile, at=later) == "available"
