"""Offer mode: the agent accepts, declines or lets the offer time out (time injected)."""

from datetime import timedelta

import pytest

from contactcenter.accounts.permissions import Principal
from contactcenter.errors import Conflict, NotFound
from inbox.models import ConversationEvent
from routing.models import EntryState, Offer, OfferState, QueueEntry
from routing.services.engine import accept_offer, assign_waiting, decline_offer, expire_offers
from tests.factories import QueueFactory

from .conftest import NOW, agent, event_types, waiting


def principal_of(profile):
    return Principal.for_membership(profile.membership)


@pytest.fixture
def offer_queue(tenant_a):
    return QueueFactory(tenant=tenant_a, assignment_mode="offer", offer_timeout_s=20)


def test_offer_reserves_a_slot_and_accept_assigns(tenant_a, channel, offer_queue):
    first = agent(tenant_a, channel_capacity={"whatsapp": 1}, idle_since=NOW - timedelta(hours=1))
    conversation = waiting(tenant_a, offer_queue, channel=channel)
    other = waiting(tenant_a, offer_queue, channel=channel)

    assert assign_waiting(tenant_a, now=NOW).offered == 1
    offer = Offer.objects.get(conversation=conversation)
    assert (offer.agent_id, offer.state) == (first.pk, OfferState.PENDING)
    assert offer.expires_at == NOW + timedelta(seconds=20)
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id) == ("queued", None)
    # The pending offer holds the agent's only slot.
    assert assign_waiting(tenant_a, now=NOW).placed == 0
    assert not Offer.objects.filter(conversation=other).exists()

    accept_offer(tenant_a, principal=principal_of(first), offer_id=offer.pk, now=NOW)

    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id) == ("assigned", first.user_id)
    assert event_types(conversation) == ["queued", "offered", "offer_accepted", "assigned"]


def test_offer_times_out_and_moves_to_next_agent(tenant_a, channel, offer_queue):
    slow = agent(tenant_a, idle_since=NOW - timedelta(hours=2))
    quick = agent(tenant_a, idle_since=NOW - timedelta(hours=1))
    conversation = waiting(tenant_a, offer_queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)
    first_offer = Offer.objects.get(conversation=conversation)
    assert first_offer.agent_id == slow.pk

    assert expire_offers(now=NOW + timedelta(seconds=19)) == set()
    assert expire_offers(now=NOW + timedelta(seconds=20)) == {tenant_a.pk}
    later = NOW + timedelta(seconds=21)
    assign_waiting(tenant_a, now=later)

    first_offer.refresh_from_db()
    assert first_offer.state == OfferState.EXPIRED
    slow.refresh_from_db()
    assert slow.presence == "away"  # not responding
    second = Offer.objects.get(conversation=conversation, state=OfferState.PENDING)
    assert second.agent_id == quick.pk
    assert event_types(conversation) == ["queued", "offered", "offer_expired", "offered"]
    with pytest.raises(Conflict):
        accept_offer(tenant_a, principal=principal_of(slow), offer_id=first_offer.pk, now=later)


def test_decline_goes_to_someone_else_and_never_back(tenant_a, channel, offer_queue):
    picky = agent(tenant_a, idle_since=NOW - timedelta(hours=2))
    other = agent(tenant_a, idle_since=NOW - timedelta(hours=1))
    conversation = waiting(tenant_a, offer_queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)
    offer = Offer.objects.get(conversation=conversation)

    decline_offer(tenant_a, principal=principal_of(picky), offer_id=offer.pk, now=NOW)
    assert QueueEntry.objects.get(conversation=conversation).state == EntryState.WAITING
    assign_waiting(tenant_a, now=NOW)

    pending = Offer.objects.get(conversation=conversation, state=OfferState.PENDING)
    assert pending.agent_id == other.pk
    declined = ConversationEvent.objects.get(conversation=conversation, type="offer_declined")
    assert declined.actor_id == picky.user_id


def test_only_the_offered_agent_may_answer(tenant_a, tenant_b, channel, offer_queue):
    offered = agent(tenant_a)
    conversation = waiting(tenant_a, offer_queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)
    offer = Offer.objects.get(conversation=conversation)
    colleague = agent(tenant_a, presence="away")
    outsider = agent(tenant_b)

    with pytest.raises(NotFound):
        accept_offer(tenant_a, principal=principal_of(colleague), offer_id=offer.pk, now=NOW)
    with pytest.raises(NotFound):
        accept_offer(tenant_b, principal=principal_of(outsider), offer_id=offer.pk, now=NOW)
    offer.refresh_from_db()
    assert offer.state == OfferState.PENDING
    assert offer.agent_id == offered.pk
