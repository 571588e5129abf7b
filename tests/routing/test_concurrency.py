"""Many workers racing over the same waiting work on real PostgreSQL connections."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction

from inbox.models import ConversationEvent
from routing.models import AgentProfile, EntryState, QueueEntry
from routing.services.common import enqueue_entry
from routing.services.engine import RANKED, assign_waiting
from tests.factories import ChannelFactory, ConversationFactory, QueueFactory, TenantFactory

from .conftest import NOW, agent

WORKERS = 10
CONVERSATIONS = 60


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_never_double_assign_nor_overfill_an_agent():
    tenant = TenantFactory()
    channel = ChannelFactory(tenant=tenant)
    queue = QueueFactory(tenant=tenant)
    agents = [
        agent(tenant, channel_capacity={"whatsapp": 3}, max_total=3),
        agent(tenant, channel_capacity={"whatsapp": 2}, max_total=5),
        agent(tenant, channel_capacity={"whatsapp": 9}, max_total=4),
    ]
    conversations = [
        ConversationFactory(tenant=tenant, channel=channel) for _ in range(CONVERSATIONS)
    ]
    with transaction.atomic():  # the engine's own path, without queuing Celery kicks
        for conversation in conversations:
            enqueue_entry(conversation, queue, now=NOW, reason="test")
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait()
            for _ in range(3):
                assign_waiting(tenant, limit=7)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    capacity = {a.user_id: min(a.max_total, a.channel_capacity["whatsapp"]) for a in agents}
    assigned = Counter()
    for conversation in conversations:
        conversation.refresh_from_db()
        if conversation.assignee_id is not None:
            assigned[conversation.assignee_id] += 1
            assert conversation.state == "assigned"
    assert assigned == Counter(capacity)  # every slot filled, none overfilled
    one_event_each = Counter(
        ConversationEvent.objects.filter(type="assigned").values_list("conversation_id", flat=True)
    )
    assert set(one_event_each.values()) == {1}
    assert len(one_event_each) == sum(capacity.values())
    entries = Counter(QueueEntry.objects.values_list("state", flat=True))
    assert entries[EntryState.ASSIGNED] == sum(capacity.values())
    assert entries[EntryState.WAITING] == CONVERSATIONS - sum(capacity.values())


@pytest.mark.django_db(transaction=True)
def test_agents_held_by_another_run_are_passed_over_beyond_the_first_ranking():
    """The ranking reads a few agents at a time: when every one of them is locked by another
    worker, the run ranks again past them instead of leaving the conversation waiting."""
    tenant = TenantFactory()
    channel = ChannelFactory(tenant=tenant)
    queue = QueueFactory(tenant=tenant)
    agents = [agent(tenant, idle_since=NOW - timedelta(minutes=60 - i)) for i in range(RANKED + 2)]
    held, free = agents[:-1], agents[-1]  # the last one has been idle the shortest
    conversation = ConversationFactory(tenant=tenant, channel=channel)
    with transaction.atomic():
        enqueue_entry(conversation, queue, now=NOW, reason="test")
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(AgentProfile.objects.select_for_update().filter(pk__in=[a.pk for a in held]))
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        result = assign_waiting(tenant, now=NOW)
    finally:
        release.set()
        holder.join(30)

    assert result.assigned == 1
    conversation.refresh_from_db()
    assert conversation.assignee_id == free.user_id
