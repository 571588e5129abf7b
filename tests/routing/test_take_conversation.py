"""An agent takes a waiting conversation: under the engine's locks, never two agents."""

import threading

import pytest
from django.db import connection, transaction

from contactcenter.accounts.permissions import Principal
from contactcenter.errors import Conflict
from inbox.models import ConversationEvent
from routing.models import EntryState, QueueEntry
from routing.services.common import enqueue_entry
from routing.services.engine import assign_waiting, take_conversation
from tests.factories import ChannelFactory, ConversationFactory, QueueFactory, TenantFactory

from .conftest import NOW, agent

TAKERS = 6


def principal_of(profile) -> Principal:
    return Principal.for_membership(profile.membership)


@pytest.mark.django_db(transaction=True)
def test_agents_taking_one_conversation_at_once_give_it_to_exactly_one():
    tenant = TenantFactory()
    queue = QueueFactory(tenant=tenant, agents_may_take=True)
    conversation = ConversationFactory(tenant=tenant, channel=ChannelFactory(tenant=tenant))
    with transaction.atomic():
        enqueue_entry(conversation, queue, now=NOW, reason="test")
    takers = [agent(tenant) for _ in range(TAKERS)]
    barrier = threading.Barrier(TAKERS + 1)
    won, refused, errors = [], [], []

    def take(profile):
        try:
            barrier.wait()
            take_conversation(tenant, principal=principal_of(profile), conversation=conversation)
            won.append(profile.user_id)
        except Conflict:
            refused.append(profile.user_id)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def engine_run():  # the engine serving the same queue at the same moment
        try:
            barrier.wait()
            assign_waiting(tenant)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(p,)) for p in takers]
    threads.append(threading.Thread(target=engine_run))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    conversation.refresh_from_db()
    assert conversation.state == "assigned"
    assert len(won) <= 1 and len(won) + len(refused) == TAKERS
    if won:
        assert conversation.assignee_id == won[0]
    assert ConversationEvent.objects.filter(conversation=conversation, type="assigned").count() == 1
    entries = QueueEntry.objects.filter(conversation=conversation)
    assert [e.state for e in entries] == [EntryState.ASSIGNED]


@pytest.mark.django_db(transaction=True)
def test_taking_recounts_the_agents_room_under_its_lock():
    """Two conversations taken at once by an agent with one free slot: one is theirs."""
    tenant = TenantFactory()
    queue = QueueFactory(tenant=tenant, agents_may_take=True)
    channel = ChannelFactory(tenant=tenant)
    conversations = [ConversationFactory(tenant=tenant, channel=channel) for _ in range(2)]
    with transaction.atomic():
        for conversation in conversations:
            enqueue_entry(conversation, queue, now=NOW, reason="test")
    taker = agent(tenant, channel_capacity={"whatsapp": 1}, max_total=1)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def take(conversation):
        try:
            barrier.wait()
            take_conversation(tenant, principal=principal_of(taker), conversation=conversation)
            outcomes.append("taken")
        except Conflict as exc:
            outcomes.append(exc.message)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(c,)) for c in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(outcomes) == [
        "You have no free slot. Finish a conversation before taking another.",
        "taken",
    ]


def test_an_offered_conversation_is_not_taken_from_under_the_offer(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, agents_may_take=True, assignment_mode="offer")
    conversation = ConversationFactory(tenant=tenant_a, channel=channel)
    with transaction.atomic():
        enqueue_entry(conversation, queue, now=NOW, reason="test")
    agent(tenant_a)
    assign_waiting(tenant_a, now=NOW)  # offered to that agent
    other = agent(tenant_a)

    with pytest.raises(Conflict, match="not waiting in a queue"):
        take_conversation(tenant_a, principal=principal_of(other), conversation=conversation)
