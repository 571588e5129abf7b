"""Transfers (agent → agent, agent → queue), reassign, take-over; the resolve hook."""

import pytest

from contactcenter.accounts.models import Role
from contactcenter.accounts.permissions import Principal
from contactcenter.errors import Conflict, Forbidden, NotFound
from routing.models import EntryState, Offer, OfferState, QueueEntry
from routing.services.engine import assign_waiting
from routing.services.lifecycle import on_conversation_resolved
from routing.services.transfers import (
    reassign_conversation,
    take_over_conversation,
    transfer_to_agent,
    transfer_to_queue,
)
from tests.factories import MembershipFactory, QueueFactory

from .conftest import NOW, agent, event_types, waiting


def principal_of(profile):
    return Principal.for_membership(profile.membership)


@pytest.fixture
def queue(tenant_a):
    return QueueFactory(tenant=tenant_a)


@pytest.fixture
def assigned(tenant_a, channel, queue):
    """A conversation assigned to `first` (the only agent available at the time)."""
    first = agent(tenant_a)
    conversation = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)
    conversation.refresh_from_db()
    assert conversation.assignee_id == first.user_id
    return conversation, first


def test_agent_to_agent_transfer_writes_events(tenant_a, assigned):
    conversation, first = assigned
    second = agent(tenant_a)

    transfer_to_agent(
        tenant_a,
        principal=principal_of(first),
        conversation=conversation,
        agent=second,
        note="Knows the contract",
        now=NOW,
    )

    conversation.refresh_from_db()
    assert conversation.assignee_id == second.user_id
    assert event_types(conversation) == ["queued", "assigned", "transferred", "assigned"]
    transferred = conversation.events.get(type="transferred")
    assert transferred.data == {
        "kind": "agent",
        "from_agent": first.user_id,
        "to_agent": second.user_id,
        "note": "Knows the contract",
    }
    assert transferred.actor_id == first.user_id
    entries = QueueEntry.objects.filter(conversation=conversation).order_by("pk")
    assert [(e.agent_id, e.released_at) for e in entries] == [(first.pk, NOW), (second.pk, None)]


def test_transfer_to_full_or_offline_agent_is_refused(tenant_a, assigned):
    conversation, first = assigned
    full = agent(tenant_a, max_total=0)
    offline = agent(tenant_a, presence="offline")
    for target in (full, offline):
        with pytest.raises(Conflict):
            transfer_to_agent(
                tenant_a, principal=principal_of(first), conversation=conversation, agent=target
            )
    conversation.refresh_from_db()
    assert conversation.assignee_id == first.user_id


def test_agent_cannot_transfer_a_colleagues_conversation(tenant_a, assigned):
    conversation, first = assigned
    colleague = agent(tenant_a)
    with pytest.raises(NotFound):
        transfer_to_agent(
            tenant_a, principal=principal_of(colleague), conversation=conversation, agent=colleague
        )


def test_transfer_to_queue_with_note_requeues(tenant_a, assigned):
    conversation, first = assigned
    specialists = QueueFactory(tenant=tenant_a)

    entry = transfer_to_queue(
        tenant_a,
        principal=principal_of(first),
        conversation=conversation,
        queue=specialists,
        note="Needs a technician",
        now=NOW,
    )

    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id) == ("queued", None)
    assert (entry.queue_id, entry.state) == (specialists.pk, EntryState.WAITING)
    assert event_types(conversation) == [
        "queued",
        "assigned",
        "transferred",
        "unassigned",
        "queued",
    ]
    assert conversation.events.get(type="transferred").data["note"] == "Needs a technician"


def test_transfer_to_another_tenants_queue_is_not_found(tenant_a, tenant_b, assigned):
    conversation, first = assigned
    foreign = QueueFactory(tenant=tenant_b)
    with pytest.raises(NotFound):
        transfer_to_queue(
            tenant_a, principal=principal_of(first), conversation=conversation, queue=foreign
        )


def test_supervisor_reassigns_over_capacity_and_takes_over(tenant_a, assigned):
    conversation, first = assigned
    supervisor = MembershipFactory(tenant=tenant_a, role=Role.SUPERVISOR)
    boss = Principal.for_membership(supervisor)
    full = agent(tenant_a, max_total=0)

    reassign_conversation(tenant_a, principal=boss, conversation=conversation, agent=full, now=NOW)
    conversation.refresh_from_db()
    assert conversation.assignee_id == full.user_id

    take_over_conversation(tenant_a, principal=boss, conversation=conversation, now=NOW)
    conversation.refresh_from_db()
    assert conversation.assignee_id == supervisor.user_id
    assert [e.data["kind"] for e in conversation.events.filter(type="transferred")] == ["reassign"]
    taken = conversation.events.get(type="taken_over")
    assert (taken.data["from_agent"], taken.data["to_agent"]) == (full.user_id, supervisor.user_id)
    with pytest.raises(Forbidden):
        reassign_conversation(
            tenant_a, principal=principal_of(first), conversation=conversation, agent=first
        )


def test_resolve_hook_ends_wait_and_withdraws_offers(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, assignment_mode="offer")
    offered = agent(tenant_a)
    conversation = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)

    on_conversation_resolved(conversation, now=NOW)

    assert Offer.objects.get(conversation=conversation).state == OfferState.WITHDRAWN
    entry = QueueEntry.objects.get(conversation=conversation)
    assert (entry.state, entry.left_at) == (EntryState.ABANDONED, NOW)
    offered.refresh_from_db()
    assert offered.presence == "available"


def test_resolve_hook_frees_the_slot_for_waiting_work(tenant_a, channel, queue):
    only = agent(tenant_a, max_total=1)
    first = waiting(tenant_a, queue, channel=channel)
    second = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)
    first.refresh_from_db()
    assert first.assignee_id == only.user_id

    first.state = "resolved"
    first.save()
    on_conversation_resolved(first, now=NOW)
    assign_waiting(tenant_a, now=NOW)

    second.refresh_from_db()
    assert second.assignee_id == only.user_id
    assert QueueEntry.objects.get(conversation=first).released_at == NOW
