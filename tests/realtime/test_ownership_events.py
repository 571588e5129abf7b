"""Who hears a change of hands (the agent a supervisor takes a conversation from) and a
whisper (its addressee and the supervisors, live and on catch-up)."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal
from inbox.models import Conversation, EventType
from inbox.services.conversations import add_note
from inbox.services.events import record_event
from inbox.services.notes import write_note
from routing.services.transfers import reassign_conversation, take_over_conversation
from tests.factories import AgentProfileFactory, ConversationFactory

from .hub import emit, heard, opened, seq_of

make_conversation = sync_to_async(ConversationFactory)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_agent_hears_at_once_that_a_supervisor_took_the_conversation_over(
    cookies, alice, bob, tenant_a
):
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])

    def take_over():
        boss = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
        take_over_conversation(tenant_a, principal=boss, conversation=bobs)

    await sync_to_async(take_over)()
    pushed = [await heard(ws), await heard(ws)]

    taken = next(e for e in pushed if e and e["type"] == "taken_over")
    assert taken["data"]["from_agent"] == bob.pk and taken["assignee"] == alice.pk
    assert taken["actor"] == alice.pk
    await ws.disconnect()


# --- Whispers: the addressee and the supervisors, nobody else -----------------------------------

WHISPER = "Offer her the 10% discount"


def whisper(tenant, supervisor, conversation):
    boss = Principal.for_membership(Membership.objects.get(user=supervisor, tenant=tenant))
    add_note(tenant, principal=boss, conversation=conversation, text=WHISPER, whisper=True)


async def test_a_whisper_is_pushed_to_its_addressee_and_the_supervisors_only(
    cookies, alice, bob, tenant_a
):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    sockets = {email: await opened(cookie) for email, cookie in cookies.items()}

    await sync_to_async(whisper)(tenant_a, alice, bobs)

    for email in ("bob@a.test", "alice@a.test"):
        pushed = await heard(sockets[email])
        assert pushed["type"] == "note_added" and pushed["data"]["text"] == WHISPER
        assert pushed["data"]["private_to"] == bob.pk
    assert await sockets["dora@a.test"].receive_nothing(timeout=0.3)
    assert await sockets["alice@b.test"].receive_nothing(timeout=0.3)
    for ws in sockets.values():
        await ws.disconnect()


async def test_a_socket_still_watching_from_the_queue_does_not_hear_the_whisper(
    cookies, alice, bob, tenant_a
):
    """Dora watched the conversation while it waited; it goes to Bob and is whispered about in
    one commit, so her socket gets both pushes before it can leave the conversation's group."""
    waiting = await make_conversation(tenant=tenant_a, state="queued")
    dora = await opened(cookies["dora@a.test"])
    await dora.send_json_to({"type": "subscribe", "conversation": waiting.pk})
    assert (await heard(dora))["type"] == "subscribed"

    def to_bob_with_a_whisper():
        with transaction.atomic():  # as a service composes them
            conversation = Conversation.objects.select_for_update().get(pk=waiting.pk)
            conversation.state, conversation.assignee = "assigned", bob
            conversation.save(update_fields=["state", "assignee"])
            record_event(conversation, EventType.ASSIGNED, data={"agent": bob.pk})
            note = write_note(
                conversation, author=alice, text=WHISPER, kind="whisper", addressee_id=bob.pk
            )
            record_event(
                conversation,
                EventType.NOTE_ADDED,
                actor=alice,
                data={"message": note.pk, "whisper": True, "text": WHISPER},
                private_to=bob.pk,
            )

    await sync_to_async(to_bob_with_a_whisper)()
    left = await heard(dora)

    assert left["type"] == "assigned"
    assert await dora.receive_nothing(timeout=0.5)  # not the whisper
    await dora.disconnect()


async def test_a_whisper_is_not_replayed_to_the_agent_who_gets_the_conversation_later(
    cookies, alice, bob, dora, tenant_a
):
    bobs = await make_conversation(tenant=tenant_a, assignee=bob, state="assigned")
    start = await sync_to_async(emit)(bobs)
    cursor = await sync_to_async(seq_of)(start)

    def whisper_then_hand_to_dora():
        whisper(tenant_a, alice, bobs)
        boss = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
        reassign_conversation(
            tenant_a,
            principal=boss,
            conversation=bobs,
            agent=AgentProfileFactory(tenant=tenant_a, membership=dora.memberships.get()),
        )

    await sync_to_async(whisper_then_hand_to_dora)()
    replays = {}
    for email in ("dora@a.test", "bob@a.test"):
        ws = await opened(cookies[email], last_seq=cursor)
        frames = []
        while (frame := await heard(ws)) is not None and frame.get("type") != "caught_up":
            frames.append(frame)
        replays[email] = [f["type"] for f in frames]
        await ws.disconnect()

    assert "note_added" not in replays["dora@a.test"] and "assigned" in replays["dora@a.test"]
    assert "note_added" in replays["bob@a.test"]
