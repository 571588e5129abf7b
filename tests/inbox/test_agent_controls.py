"""The agent's routing controls in the inbox: presence, offers, transfers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.accounts.models import Membership
from inbox.models import ConversationEvent, EventType
from routing.models import AgentProfile, EntryState, Offer, QueueEntry
from tests.factories import AgentProfileFactory, ConversationFactory, QueueFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bob_agent(bob, tenant_a):
    return AgentProfileFactory(
        tenant=tenant_a,
        membership=Membership.objects.get(user=bob, tenant=tenant_a),
        presence="offline",
    )


@pytest.fixture
def offer_to_bob(bob_agent, tenant_a):
    queue = QueueFactory(tenant=tenant_a, name="Billing", assignment_mode="offer")
    conversation = ConversationFactory(tenant=tenant_a, state="queued")
    entry = QueueEntry.objects.create(
        tenant=tenant_a, conversation=conversation, queue=queue, state=EntryState.OFFERED
    )
    return Offer.objects.create(
        tenant=tenant_a,
        conversation=conversation,
        entry=entry,
        agent=bob_agent,
        expires_at=timezone.now() + timedelta(seconds=30),
    )


def test_agent_goes_available_from_the_bar(bob_client, bob_agent):
    response = bob_client.post(reverse("inbox-presence"), {"presence": "available"}, **HTMX)

    bob_agent.refresh_from_db()
    assert bob_agent.presence == "available"
    assert 'value="available" selected' in response.content.decode()


def test_an_unknown_presence_is_refused_with_the_choices(bob_client, bob_agent):
    response = bob_client.post(reverse("inbox-presence"), {"presence": "asleep"}, **HTMX)

    bob_agent.refresh_from_db()
    assert bob_agent.presence == "offline"
    assert "Choose available, busy, away or offline" in response.content.decode()


def test_a_member_without_a_routing_profile_gets_one_on_going_available(bob_client, bob):
    assert 'value="offline" selected' in bob_client.get(reverse("inbox-agent-bar")).content.decode()

    bob_client.post(reverse("inbox-presence"), {"presence": "available"}, **HTMX)

    assert AgentProfile.objects.get(user=bob).presence == "available"


def test_the_bar_lists_the_offer_and_accepting_assigns_it(bob_client, offer_to_bob, bob):
    bar = bob_client.get(reverse("inbox-agent-bar")).content.decode()
    assert 'data-testid="offer"' in bar and "Billing" in bar

    bob_client.post(reverse("inbox-offer-accept", args=[offer_to_bob.pk]), **HTMX)

    offer_to_bob.conversation.refresh_from_db()
    assert offer_to_bob.conversation.assignee == bob
    assert offer_to_bob.conversation.state == "assigned"


def test_declining_sends_the_conversation_back_to_waiting(bob_client, offer_to_bob):
    bob_client.post(reverse("inbox-offer-decline", args=[offer_to_bob.pk]), **HTMX)

    offer_to_bob.refresh_from_db()
    offer_to_bob.entry.refresh_from_db()
    assert offer_to_bob.state == "declined" and offer_to_bob.entry.state == EntryState.WAITING


def test_an_expired_offer_cannot_be_accepted_and_the_agent_is_told(bob_client, offer_to_bob):
    Offer.objects.filter(pk=offer_to_bob.pk).update(expires_at=timezone.now() - timedelta(1))

    response = bob_client.post(reverse("inbox-offer-accept", args=[offer_to_bob.pk]), **HTMX)

    assert "no longer open" in response.content.decode()
    offer_to_bob.conversation.refresh_from_db()
    assert offer_to_bob.conversation.assignee is None


def test_someone_elses_offer_is_not_found(alice_client, offer_to_bob):
    response = alice_client.post(reverse("inbox-offer-accept", args=[offer_to_bob.pk]))

    assert response.status_code == 404


def test_agent_transfers_to_a_queue_with_a_note(bob_client, bob, bob_agent, tenant_a):
    conversation = ConversationFactory(tenant=tenant_a, assignee=bob, state="assigned")
    tech = QueueFactory(tenant=tenant_a, name="Technical")

    bob_client.post(
        reverse("inbox-transfer", args=[conversation.pk]),
        {"queue": tech.pk, "note": "Router keeps rebooting"},
        **HTMX,
    )

    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.state == "queued"
    event = ConversationEvent.objects.get(conversation=conversation, type=EventType.TRANSFERRED)
    assert "Router keeps rebooting" in str(event.data)


def test_transfer_needs_exactly_one_target(bob_client, bob, tenant_a):
    conversation = ConversationFactory(tenant=tenant_a, assignee=bob, state="assigned")

    response = bob_client.post(reverse("inbox-transfer", args=[conversation.pk]), {}, **HTMX)

    assert "Choose a colleague or a queue" in response.content.decode()


def test_another_tenants_queue_is_not_a_transfer_target(bob_client, bob, tenant_a, tenant_b):
    conversation = ConversationFactory(tenant=tenant_a, assignee=bob, state="assigned")
    foreign = QueueFactory(tenant=tenant_b)

    bob_client.post(
        reverse("inbox-transfer", args=[conversation.pk]), {"queue": foreign.pk}, **HTMX
    )

    conversation.refresh_from_db()
    assert conversation.assignee == bob
    assert not AgentProfile.objects.filter(tenant=tenant_b).exists()
