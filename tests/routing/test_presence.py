"""Presence, heartbeats and agents who go silent."""

from datetime import timedelta

import pytest

from contactcenter.accounts.permissions import Principal
from contactcenter.errors import NotFound
from routing.models import EntryState, Offer, OfferState, QueueEntry
from routing.services.engine import assign_waiting
from routing.services.presence import mark_silent_agents_offline, record_heartbeat, set_presence
from tests.factories import QueueFactory

from .conftest import NOW, agent, event_types, waiting


def test_silent_agent_goes_offline_and_conversations_are_requeued(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, requeue_on_offline=True)
    silent = agent(tenant_a, last_heartbeat_at=NOW - timedelta(minutes=5))
    conversation = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW - timedelta(minutes=4))
    conversation.refresh_from_db()
    assert conversation.assignee_id == silent.user_id

    assert mark_silent_agents_offline(now=NOW, after_s=90) == [silent.pk]

    silent.refresh_from_db()
    assert (silent.presence, silent.presence_since) == ("offline", NOW)
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id) == ("queued", None)
    assert event_types(conversation) == ["queued", "assigned", "unassigned", "queued"]
    entries = QueueEntry.objects.filter(conversation=conversation).order_by("pk")
    assert [e.state for e in entries] == [EntryState.ASSIGNED, EntryState.WAITING]
    assert entries[0].released_at == NOW
    # Someone else picks it up.
    helper = agent(tenant_a, last_heartbeat_at=NOW)
    assign_waiting(tenant_a, now=NOW)
    conversation.refresh_from_db()
    assert conversation.assignee_id == helper.user_id


def test_queue_without_requeue_keeps_conversation_with_offline_agent(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, requeue_on_offline=False)
    silent = agent(tenant_a, last_heartbeat_at=NOW - timedelta(minutes=5))
    conversation = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW - timedelta(minutes=4))

    mark_silent_agents_offline(now=NOW, after_s=90)

    conversation.refresh_from_db()
    assert conversation.assignee_id == silent.user_id


def test_heartbeat_keeps_agent_online(tenant_a):
    talking = agent(tenant_a, last_heartbeat_at=NOW - timedelta(minutes=5))
    record_heartbeat(tenant_a, agent=talking, now=NOW - timedelta(seconds=10))

    assert mark_silent_agents_offline(now=NOW, after_s=90) == []
    talking.refresh_from_db()
    assert talking.presence == "available"


def test_going_away_withdraws_pending_offers(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, assignment_mode="offer")
    busy = agent(tenant_a)
    conversation = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)

    set_presence(
        tenant_a, agent=busy, presence="away", principal=Principal.for_membership(busy.membership)
    )

    assert Offer.objects.get(conversation=conversation).state == OfferState.WITHDRAWN
    assert QueueEntry.objects.get(conversation=conversation).state == EntryState.WAITING
    assert event_types(conversation)[-1] == "offer_expired"


def test_becoming_available_resets_idle_since(tenant_a):
    returning = agent(tenant_a, presence="away", idle_since=NOW - timedelta(days=1))
    set_presence(tenant_a, agent=returning, presence="available", now=NOW)
    returning.refresh_from_db()
    assert (returning.presence, returning.idle_since) == ("available", NOW)


def test_agent_may_not_set_a_colleagues_presence(tenant_a):
    me, colleague = agent(tenant_a), agent(tenant_a)
    with pytest.raises(NotFound):
        set_presence(
            tenant_a,
            agent=colleague,
            presence="offline",
            principal=Principal.for_membership(me.membership),
        )
    colleague.refresh_from_db()
    assert colleague.presence == "available"


def test_choosing_available_counts_as_a_heartbeat(tenant_a):
    """Yesterday's last heartbeat must not set the agent offline at the next sweep."""
    returning = agent(tenant_a, presence="offline", last_heartbeat_at=NOW - timedelta(days=1))

    set_presence(tenant_a, agent=returning, presence="available", now=NOW)

    assert mark_silent_agents_offline(now=NOW + timedelta(seconds=5), after_s=90) == []
    returning.refresh_from_db()
    assert returning.presence == "available"
