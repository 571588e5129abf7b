"""What each socket hears: own conversations, the queue, the whole company for supervisors,
nothing of another company; revocation; catch-up after a reconnect."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from contactcenter.accounts.models import Membership, Role
from contactcenter.accounts.permissions import Principal
from contactcenter.accounts.services import change_role
from inbox.models import EventType
from inbox.services.events import record_event
from tests.conftest import signed_in_client
from tests.factories import ConversationFactory, MembershipFactory, UserFactory

from .test_hub_auth import communicator, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dora(tenant_a):
    user = UserFactory(email="dora@a.test")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.AGENT)
    return user


@pytest.fixture
def cookies(alice, bob, charlie, dora):
    return {u.email: session_cookie(signed_in_client(u)) for u in (alice, bob, charlie, dora)}


def emit(conversation, kind=EventType.MESSAGE_RECEIVED):
    with transaction.atomic():
        return record_event(conversation, kind, data={"preview": "hi"})


async def opened(cookie):
    ws = communicator(cookie)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def heard(ws, timeout=1.0):
    try:
        return await ws.receive_json_from(timeout=timeout)
    except TimeoutError:
        return None


async def test_each_socket_hears_only_what_its_role_may_see(cookies, bob, tenant_a):
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    sockets = {email: await opened(cookie) for email, cookie in cookies.items()}

    event = await sync_to_async(emit)(bobs)

    assert (await heard(sockets["bob@a.test"]))["id"] == event.pk
    assert (await heard(sockets["alice@a.test"]))["id"] == event.pk  # supervisor scope
    assert await sockets["dora@a.test"].receive_nothing(timeout=0.3)  # another agent's conversation
    assert await sockets["alice@b.test"].receive_nothing(timeout=0.3)  # another company
    for ws in sockets.values():
        await ws.disconnect()


async def test_every_agent_hears_the_queue(cookies, tenant_a):
    waiting = await sync_to_async(ConversationFactory)(tenant=tenant_a, state="queued")
    dora = await opened(cookies["dora@a.test"])
    outsider = await opened(cookies["alice@b.test"])

    await sync_to_async(emit)(waiting)

    assert (await heard(dora))["conversation"] == waiting.pk
    assert await outsider.receive_nothing(timeout=0.3)
    await dora.disconnect()
    await outsider.disconnect()


async def test_subscribing_to_a_conversation_one_may_not_see_is_refused(cookies, bob, tenant_a):
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    dora = await opened(cookies["dora@a.test"])

    await dora.send_json_to({"type": "subscribe", "conversation": bobs.pk})
    refusal = await heard(dora)
    await sync_to_async(emit)(bobs)

    assert refusal["type"] == "error"
    assert await dora.receive_nothing(timeout=0.3)
    await dora.disconnect()


async def test_a_role_change_closes_the_users_sockets(cookies, alice, bob, tenant_a):
    bob_ws = await opened(cookies["bob@a.test"])

    def promote():
        admin = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
        member = Membership.objects.get(user=bob, tenant=tenant_a)
        change_role(tenant_a, principal=admin, membership=member, role=Role.SUPERVISOR, ip=None)

    await sync_to_async(promote)()
    closed = await bob_ws.receive_output(timeout=2)

    assert closed["type"] == "websocket.close" and closed["code"] == 4403


def committed_seq(event) -> int:
    event.refresh_from_db()
    return event.seq


async def test_a_reconnecting_socket_gets_exactly_what_it_missed_in_order(cookies, bob, tenant_a):
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    seen = await sync_to_async(emit)(bobs)
    missed = [await sync_to_async(emit)(bobs) for _ in range(3)]
    ws = await opened(cookies["bob@a.test"])

    await ws.send_json_to({"type": "hello", "last_seq": await sync_to_async(committed_seq)(seen)})
    replayed = [await heard(ws) for _ in range(3)]

    assert [e["id"] for e in replayed] == [e.pk for e in missed]
    assert [e["seq"] for e in replayed] == [await sync_to_async(committed_seq)(e) for e in missed]
    assert await ws.receive_nothing(timeout=0.3)  # nothing twice, nothing else
    await ws.disconnect()


async def test_live_pushes_carry_the_committed_sequence_number(cookies, bob, tenant_a):
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])

    first = await sync_to_async(emit)(bobs)
    second = await sync_to_async(emit)(bobs)

    pushed = [await heard(ws), await heard(ws)]
    assert [p["seq"] for p in pushed] == [
        await sync_to_async(committed_seq)(first),
        await sync_to_async(committed_seq)(second),
    ]
    assert pushed[1]["seq"] == pushed[0]["seq"] + 1
    await ws.disconnect()


async def test_a_cursor_too_far_behind_gets_resync(cookies, bob, tenant_a, monkeypatch):
    from contactcenter.realtime import catchup

    monkeypatch.setattr(catchup, "REPLAY_LIMIT", 2)
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    for _ in range(3):
        await sync_to_async(emit)(bobs)
    ws = await opened(cookies["bob@a.test"])

    await ws.send_json_to({"type": "hello", "last_seq": 0})

    assert (await heard(ws))["type"] == "resync"
    await ws.disconnect()
