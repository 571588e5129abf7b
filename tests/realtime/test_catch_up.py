"""A reconnecting tab (`/ws/?last_seq=N`), or an open one that saw a gap in `seq`
(`catch_up`), gets exactly what it missed, in order, then live events, with nothing lost or
repeated across the switch; a cursor that cannot be replayed gets `resync`."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from contactcenter.realtime import catchup
from inbox.models import Conversation, EventType
from inbox.services.events import record_event
from tests.factories import ConversationFactory

from .hub import emit, flush_channel_layer, heard, opened, seq_of

pytestmark = pytest.mark.django_db(transaction=True)

make_conversation = sync_to_async(ConversationFactory)


async def frames_until_caught_up(ws) -> tuple[list[dict], dict]:
    frames = []
    while (frame := await heard(ws)) is not None and frame.get("type") != "caught_up":
        frames.append(frame)
    return frames, frame


async def test_a_reconnecting_socket_gets_exactly_what_it_missed_in_order(
    cookies, bob, dora, tenant_a, tenant_b
):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    doras = await make_conversation(tenant=tenant_a, assignee=dora, state="assigned")
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    foreign = await make_conversation(tenant=tenant_b, state="queued")
    ws = await opened(cookies["bob@a.test"])
    seen = await sync_to_async(emit)(bobs)
    assert (await heard(ws))["id"] == seen.pk
    await ws.disconnect()

    missed = []
    for conversation in (bobs, doras, waiting, foreign, bobs, doras, waiting):
        event = await sync_to_async(emit)(conversation)
        if conversation in (bobs, waiting):
            missed.append(event)
    ws = await opened(cookies["bob@a.test"], last_seq=await sync_to_async(seq_of)(seen))
    replayed, caught_up = await frames_until_caught_up(ws)
    live = await sync_to_async(emit)(bobs)

    assert [e["id"] for e in replayed] == [e.pk for e in missed]
    assert [e["seq"] for e in replayed] == [await sync_to_async(seq_of)(e) for e in missed]
    assert caught_up == {"type": "caught_up", "last_seq": await sync_to_async(seq_of)(missed[-1])}
    assert (await heard(ws))["id"] == live.pk
    assert await ws.receive_nothing(timeout=0.3)  # nothing twice, nothing else
    await ws.disconnect()


async def test_events_committed_while_replaying_arrive_once_and_in_order(
    cookies, tenant_a, monkeypatch
):
    """The replay reads pages; between them more events commit (pushed live to the socket,
    which holds them). The tab sees every event exactly once, in seq order."""
    monkeypatch.setattr(catchup, "REPLAY_PAGE", 2)
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    for _ in range(5):
        await sync_to_async(emit)(waiting)
    during = []
    read_page = catchup.replay_page

    def page_then_write(principal, *, after, upto):
        page = read_page(principal, after=after, upto=upto)
        if len(during) < 3:  # a writer commits while the socket is replaying
            during.append(emit(waiting))
        return page

    monkeypatch.setattr("contactcenter.realtime.consumers.replay_page", page_then_write)
    ws = await opened(cookies["dora@a.test"], last_seq=0)
    frames = [await heard(ws) for _ in range(9)]  # 8 events and caught_up, in some order
    tail = await sync_to_async(emit)(waiting)

    events = [f for f in frames if f["type"] != "caught_up"]
    assert [e["seq"] for e in events] == list(range(1, 9))  # 5 before + 3 during, each once
    assert {"type": "caught_up", "last_seq": 5} in frames  # the bound taken at the start
    assert [e["id"] for e in events[5:]] == [e.pk for e in during]
    assert (await heard(ws))["id"] == tail.pk
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_live_events_that_were_also_replayed_are_not_sent_twice(
    cookies, tenant_a, monkeypatch
):
    """An event committed after the socket joined its groups but before the replay bound was
    taken reaches the socket twice (pushed and replayed): it is delivered once."""
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    first = await sync_to_async(emit)(waiting)
    raced = []
    take_bound = catchup.replay_bound

    def write_then_bound(principal, last_seq):
        raced.append(emit(waiting))  # pushed live, and below the bound: replayed too
        return take_bound(principal, last_seq)

    monkeypatch.setattr("contactcenter.realtime.consumers.replay_bound", write_then_bound)
    ws = await opened(cookies["dora@a.test"], last_seq=await sync_to_async(seq_of)(first))
    replayed, caught_up = await frames_until_caught_up(ws)

    assert [e["id"] for e in replayed] == [raced[0].pk]
    assert caught_up["last_seq"] == await sync_to_async(seq_of)(raced[0])
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


async def test_a_cursor_too_far_behind_gets_resync(cookies, bob, tenant_a, settings):
    settings.HUB_REPLAY_MAX_EVENTS = 2
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    for _ in range(3):
        await sync_to_async(emit)(bobs)

    behind = await opened(cookies["bob@a.test"], last_seq=0)
    close_enough = await opened(cookies["bob@a.test"], last_seq=1)

    assert await heard(behind) == {"type": "resync"}
    assert [(await heard(close_enough))["seq"] for _ in range(2)] == [2, 3]
    assert (await heard(close_enough))["type"] == "caught_up"
    await behind.disconnect()
    await close_enough.disconnect()


async def test_a_cursor_older_than_the_kept_window_gets_resync(cookies, bob, tenant_a, settings):
    settings.HUB_REPLAY_MAX_AGE_S = 3600
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    await sync_to_async(emit)(bobs, at=timezone.now() - timedelta(hours=2))
    await sync_to_async(emit)(bobs)

    stale = await opened(cookies["bob@a.test"], last_seq=0)
    recent = await opened(cookies["bob@a.test"], last_seq=1)

    assert await heard(stale) == {"type": "resync"}
    assert (await heard(recent))["seq"] == 2
    await stale.disconnect()
    await recent.disconnect()


async def test_a_cursor_from_the_future_gets_resync(cookies, bob, tenant_a):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    await sync_to_async(emit)(bobs)

    ws = await opened(cookies["bob@a.test"], last_seq=99)

    assert await heard(ws) == {"type": "resync"}
    await ws.disconnect()


async def test_an_up_to_date_cursor_replays_nothing(cookies, bob, tenant_a):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    await sync_to_async(emit)(bobs)

    ws = await opened(cookies["bob@a.test"], last_seq=1)

    assert await heard(ws) == {"type": "caught_up", "last_seq": 1}
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


def _hand_to(conversation, agent):
    """The conversation moves to `agent` (a transfer, or the queue assigning it)."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        locked.state, locked.assignee = "assigned", agent
        locked.save(update_fields=["state", "assignee"])
        return record_event(locked, EventType.TRANSFERRED, data={"to": agent.pk})


async def test_conversations_that_left_an_agent_while_away_leave_its_screen_on_replay(
    cookies, bob, dora, tenant_a
):
    """Live, the agent a conversation leaves and every Queue tab hear that it left; a replay
    tells them too, though they may no longer see it."""
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    ws = await opened(cookies["bob@a.test"])
    seen = await sync_to_async(emit)(bobs)
    assert (await heard(ws))["id"] == seen.pk
    await ws.disconnect()

    transferred = await sync_to_async(_hand_to)(bobs, dora)
    taken = await sync_to_async(_hand_to)(waiting, dora)
    now_doras = await sync_to_async(Conversation.objects.get)(pk=bobs.pk)
    unheard = await sync_to_async(emit)(now_doras)  # bob heard nothing of it live
    ws = await opened(cookies["bob@a.test"], last_seq=await sync_to_async(seq_of)(seen))
    replayed, caught_up = await frames_until_caught_up(ws)

    assert [e["id"] for e in replayed] == [transferred.pk, taken.pk]
    assert all(e["assignee"] == dora.pk and e["state"] == "assigned" for e in replayed)
    assert caught_up["last_seq"] == await sync_to_async(seq_of)(unheard)
    await ws.disconnect()


async def test_an_open_socket_that_saw_a_gap_catches_up_on_what_it_missed(cookies, bob, tenant_a):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])
    heard_live = await sync_to_async(emit)(bobs)
    assert (await heard(ws))["id"] == heard_live.pk
    await sync_to_async(flush_channel_layer)()  # the socket's groups are lost: deaf
    missed = await sync_to_async(emit)(bobs)
    assert await ws.receive_nothing(timeout=0.3)

    # From before what it heard live: that one is not sent twice.
    before = await sync_to_async(seq_of)(heard_live) - 1
    await ws.send_json_to({"type": "catch_up", "last_seq": before})
    replayed, caught_up = await frames_until_caught_up(ws)

    assert [e["id"] for e in replayed] == [missed.pk]
    assert caught_up == {"type": "caught_up", "last_seq": await sync_to_async(seq_of)(missed)}
    await ws.disconnect()
