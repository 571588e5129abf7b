"""A tab's socket on the real server (uvicorn) and the real channel layer, as a browser holds it."""

import asyncio
import json
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from contactcenter.accounts.models import Membership
from routing.services.presence import mark_silent_agents_offline, set_presence
from tests.conftest import signed_in_client
from tests.factories import AgentProfileFactory, ConversationFactory

from .hub import emit, flush_channel_layer, session_cookie
from .live import close_code, live_socket, next_frame

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


async def test_signing_out_closes_that_sessions_sockets(asgi_server, bob, settings):
    settings.HUB_RECHECK_S = 60  # the sign-out itself closes them, not a later re-check
    browser = await sync_to_async(signed_in_client)(bob)
    other_browser = await sync_to_async(signed_in_client)(bob)
    async with (
        live_socket(asgi_server, session_cookie(browser)) as tab,
        live_socket(asgi_server, session_cookie(other_browser)) as other_tab,
    ):
        response = await sync_to_async(browser.post)(reverse("accounts:logout"))
        assert response.status_code == 302

        assert await close_code(tab) == 4401  # the page reloads into the sign-in page
        await other_tab.send(json.dumps({"type": "ping"}))  # another session of the person
        assert (await next_frame(other_tab))["type"] == "pong"


def delete_session(cookie: str) -> None:
    Session.objects.filter(session_key=cookie).delete()


def expire_session(cookie: str) -> None:
    Session.objects.filter(session_key=cookie).update(expire_date=timezone.now())


@pytest.mark.parametrize("end", [delete_session, expire_session])
async def test_a_socket_closes_at_its_next_recheck_once_its_session_ended(
    asgi_server, cookies, settings, end
):
    settings.HUB_RECHECK_S = 0.5
    async with live_socket(asgi_server, cookies["bob@a.test"]) as tab:
        await sync_to_async(end)(cookies["bob@a.test"])

        assert await close_code(tab) == 4401


async def test_a_socket_joins_its_groups_again_after_redis_lost_them(
    asgi_server, cookies, bob, tenant_a, settings
):
    settings.HUB_RECHECK_S = 0.5
    conversation = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    async with live_socket(asgi_server, cookies["bob@a.test"]) as tab:
        await sync_to_async(flush_channel_layer)()  # a Redis restart: every group is gone

        deadline = time.monotonic() + 10
        while True:  # pushes until one arrives: the first after the socket joined again
            await sync_to_async(emit)(conversation)
            try:
                frame = await next_frame(tab, timeout_s=0.5)
                break
            except TimeoutError:
                assert time.monotonic() < deadline, "the socket stayed deaf after the flush"

        assert frame["conversation"] == conversation.pk
