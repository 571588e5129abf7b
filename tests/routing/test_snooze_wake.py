"""A snoozed conversation wakes at its time, through the beat sweep, exactly once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from contactcenter.accounts.permissions import Principal
from inbox.models import ConversationEvent, EventType
from inbox.services.conversations import snooze_conversation
from routing.models import EntryState, QueueEntry
from routing.services.lifecycle import wake_snoozed_conversations
from routing.tasks import sweep
from tests.factories import ConversationFactory, QueueFactory, TenantFactory

from .conftest import agent

SWEEPERS = 4


def snoozed_for(profile, *, hours=1, **fields):
    conversation = ConversationFactory(
        tenant=profile.tenant, assignee=profile.user, state="assigned", **fields
    )
    snooze_conversation(
        profile.tenant,
        principal=Principal.for_membership(profile.membership),
        conversation=conversation,
        until=timezone.now() + timedelta(hours=hours),
    )
    return conversation


def woke(conversation) -> int:
    return ConversationEvent.objects.filter(
        conversation=conversation, type=EventType.SNOOZE_ENDED
    ).count()


def test_the_sweep_wakes_a_snoozed_conversation_at_its_time_and_only_then(tenant_a):
    bob = agent(tenant_a)
    conversation = snoozed_for(bob, hours=1)

    with time_machine.travel(timezone.now() + timedelta(minutes=59), tick=False):
        assert sweep()["woken"] == 0
    conversation.refresh_from_db()
    assert conversation.state == "snoozed"

    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert sweep()["woken"] == 1
        assert sweep()["woken"] == 0  # the next beat finds nothing left

    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id) == ("assigned", bob.user_id)
    assert conversation.snoozed_until is None
    assert woke(conversation) == 1


def test_a_conversation_held_by_nobody_wakes_into_its_last_queue(tenant_a):
    queue = QueueFactory(tenant=tenant_a, name="Billing")
    bob = agent(tenant_a, presence="offline")
    conversation = snoozed_for(bob)
    QueueEntry.objects.create(
        tenant=tenant_a,
        conversation=conversation,
        queue=queue,
        entered_at=timezone.now(),
        state=EntryState.ASSIGNED,
        agent=bob,
    )
    conversation.assignee = None  # e.g. the agent left the company
    conversation.save(update_fields=["assignee"])

    assert wake_snoozed_conversations(now=timezone.now() + timedelta(hours=2)) == 1

    conversation.refresh_from_db()
    assert conversation.state == "queued"
    entry = QueueEntry.objects.get(conversation=conversation, state=EntryState.WAITING)
    assert entry.queue == queue


@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_wake_each_conversation_exactly_once():
    tenant = TenantFactory()
    profiles = [agent(tenant, channel_capacity={"whatsapp": 20}, max_total=20) for _ in range(2)]
    conversations = [snoozed_for(profiles[i % 2]) for i in range(30)]
    later = timezone.now() + timedelta(hours=2)
    barrier = threading.Barrier(SWEEPERS)
    counts, errors = [], []

    def work():
        try:
            barrier.wait()
            counts.append(wake_snoozed_conversations(now=later, limit=7))
            counts.append(wake_snoozed_conversations(now=later, limit=50))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(SWEEPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(counts) == len(conversations)
    for conversation in conversations:
        conversation.refresh_from_db()
        assert conversation.state == "assigned"
        assert woke(conversation) == 1


def test_a_customer_who_wrote_first_leaves_the_sweep_nothing_to_do(tenant_a):
    bob = agent(tenant_a)
    conversation = snoozed_for(bob)
    conversation.state, conversation.snoozed_until = "assigned", None  # as ingest does
    conversation.save(update_fields=["state", "snoozed_until"])

    assert wake_snoozed_conversations(now=timezone.now() + timedelta(hours=2)) == 0
    assert woke(conversation) == 0
