"""What each socket hears: its own conversations, the queue, the whole company for
supervisors, nothing of another company; subscriptions only to what it may see."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from inbox.models import Conversation, EventType
from inbox.services.events import record_event
from tests.factories import ConversationFactory

from .hub import emit, heard, opened, seq_of

pytestmark = pytest.mark.django_db(transaction=True)

make_conversation = sync_to_async(ConversationFactory)


async def test_each_socket_hears_only_what_its_role_may_see(cookies, bob, tenant_a):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    sockets = {email: await opened(cookie) for email, cookie in cookies.items()}

    event = await sync_to_async(emit)(bobs)

    assert (await heard(sockets["bob@a.test"]))["id"] == event.pk
    assert (await heard(sockets["alice@a.test"]))["id"] == event.pk  # supervisor scope
    assert await sockets["dora@a.test"].receive_nothing(timeout=0.3)  # another agent's
    assert await sockets["alice@b.test"].receive_nothing(timeout=0.3)  # another company
    for ws in sockets.values():
        await ws.disconnect()


async def test_a_supervisor_hears_every_conversation_of_its_company_only(
    cookies, bob, dora, tenant_a, tenant_b
):
    conversations = [
        await make_conversation(tenant=tenant_a, assignee=bob, state="assigned"),
        await make_conversation(tenant=tenant_a, assignee=dora, state="assigned"),
        await make_conversation(tenant=tenant_a, state="queued"),
        await make_conversation(tenant=tenant_a, state="resolved"),
    ]
    foreign = await make_conversation(tenant=tenant_b, state="queued")
    alice = await opened(cookies["alice@a.test"])

    await sync_to_async(emit)(foreign)
    for conversation in conversations:
        await sync_to_async(emit)(conversation)

    heard_ids = [(await heard(alice))["conversation"] for _ in conversations]
    assert heard_ids == [c.pk for c in conversations]
    assert await alice.receive_nothing(timeout=0.3)
    await alice.disconnect()


async def test_every_agent_hears_the_queue_and_no_other_company_does(cookies, tenant_a):
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    with_bot = await make_conversation(tenant=tenant_a, state="bot")
    dora = await opened(cookies["dora@a.test"])
    outsider = await opened(cookies["alice@b.test"])

    await sync_to_async(emit)(waiting)
    await sync_to_async(emit)(with_bot)

    assert (await heard(dora))["conversation"] == waiting.pk
    assert (await heard(dora))["conversation"] == with_bot.pk
    assert await outsider.receive_nothing(timeout=0.3)
    await dora.disconnect()
    await outsider.disconnect()


async def test_a_conversation_leaving_the_queue_tells_every_agent_and_then_only_its_own(
    cookies, bob, tenant_a
):
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    dora = await opened(cookies["dora@a.test"])

    def assign_to_bob():
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=waiting.pk)
            conversation.state, conversation.assignee = "assigned", bob
            conversation.save(update_fields=["state", "assignee"])
            record_event(conversation, EventType.ASSIGNED, data={"agent": bob.pk})
        return conversation

    taken = await sync_to_async(assign_to_bob)()
    left = await heard(dora)
    await sync_to_async(emit)(taken)

    assert left["type"] == EventType.ASSIGNED and left["assignee"] == bob.pk
    assert left["state"] == "assigned"
    assert await dora.receive_nothing(timeout=0.3)  # bob's now: dora hears no more of it
    await dora.disconnect()


async def test_a_socket_subscribed_to_its_own_conversation_hears_each_event_once(
    cookies, bob, tenant_a
):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])

    await ws.send_json_to({"type": "subscribe", "conversation": bobs.pk})
    reply = await heard(ws)
    event = await sync_to_async(emit)(bobs)

    assert reply == {"type": "subscribed", "conversation": bobs.pk}
    assert (await heard(ws))["seq"] == await sync_to_async(seq_of)(event)
    assert await ws.receive_nothing(timeout=0.3)  # agent group and conversation group: once
    await ws.disconnect()


async def test_subscribing_to_a_conversation_one_may_not_see_is_refused(cookies, bob, tenant_a):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    dora = await opened(cookies["dora@a.test"])

    await dora.send_json_to({"type": "subscribe", "conversation": bobs.pk})
    refusal = await heard(dora)
    await sync_to_async(emit)(bobs)

    assert refusal == {"type": "error", "code": "not_found", "conversation": bobs.pk}
    assert await dora.receive_nothing(timeout=0.3)
    await dora.disconnect()


async def test_subscribing_to_another_companys_conversation_is_refused_like_a_missing_one(
    cookies, tenant_b
):
    foreign = await make_conversation(tenant=tenant_b, state="queued")
    alice = await opened(cookies["alice@a.test"])  # admin of A: sees all of A, nothing of B

    await alice.send_json_to({"type": "subscribe", "conversation": foreign.pk})
    refusal = await heard(alice)
    await alice.send_json_to({"type": "subscribe", "conversation": foreign.pk + 10_000})
    missing = await heard(alice)
    await sync_to_async(emit)(foreign)

    assert refusal == {"type": "error", "code": "not_found", "conversation": foreign.pk}
    assert missing["code"] == "not_found"
    assert await alice.receive_nothing(timeout=0.3)
    await alice.disconnect()


async def test_after_unsubscribing_the_conversation_is_no_longer_heard(cookies, alice, tenant_a):
    # An agent of A watches a queued conversation, then stops watching it.
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    dora = await opened(cookies["dora@a.test"])
    await dora.send_json_to({"type": "subscribe", "conversation": waiting.pk})
    assert (await heard(dora))["type"] == "subscribed"

    await dora.send_json_to({"type": "unsubscribe", "conversation": waiting.pk})
    assert await heard(dora) == {"type": "unsubscribed", "conversation": waiting.pk}
    event = await sync_to_async(emit)(waiting)

    assert (await heard(dora))["id"] == event.pk  # still, once, through the queue group
    assert await dora.receive_nothing(timeout=0.3)
    await dora.disconnect()


async def test_live_pushes_carry_the_committed_sequence_number(cookies, bob, tenant_a):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])

    first = await sync_to_async(emit)(bobs)
    second = await sync_to_async(emit)(bobs)

    pushed = [await heard(ws), await heard(ws)]
    assert [p["seq"] for p in pushed] == [
        await sync_to_async(seq_of)(first),
        await sync_to_async(seq_of)(second),
    ]
    assert pushed[1]["seq"] == pushed[0]["seq"] + 1
    await ws.disconnect()


async def test_the_events_of_one_transaction_each_reach_the_socket_in_order(cookies, bob, tenant_a):
    """They leave in one message per group; the socket gets one frame per event."""
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])

    def three_events():
        with transaction.atomic():
            return [record_event(bobs, EventType.MESSAGE_RECEIVED) for _ in range(3)]

    events = await sync_to_async(three_events)()

    frames = [await heard(ws) for _ in events]
    assert [frame["id"] for frame in frames] == [event.pk for event in events]
    assert [frame["seq"] for frame in frames] == sorted(frame["seq"] for frame in frames)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()
