"""A whisper is read by its addressee and the supervisors only: in the page and the API, also
after the conversation moved to another agent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.accounts.models import Membership, Role
from contactcenter.accounts.permissions import Principal
from inbox.services.conversations import add_note
from routing.models import AgentProfile
from routing.services.transfers import reassign_conversation
from tests.conftest import signed_in_client
from tests.factories import (
    AgentProfileFactory,
    ConversationFactory,
    MembershipFactory,
    UserFactory,
)

WHISPER = "Offer her the 10% discount"


def principal_of(user, tenant) -> Principal:
    return Principal.for_membership(Membership.objects.get(user=user, tenant=tenant))


@pytest.fixture
def dora(tenant_a):
    user = UserFactory(email="dora@a.test", full_name="Dora")
    AgentProfileFactory(
        tenant=tenant_a, membership=MembershipFactory(tenant=tenant_a, user=user, role=Role.AGENT)
    )
    return user


@pytest.fixture
def whispered(tenant_a, alice, bob, dora):
    """Bob's conversation, whispered about to Bob, then handed to Dora by the supervisor."""
    conversation = ConversationFactory(
        tenant=tenant_a,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=1),
    )
    boss = principal_of(alice, tenant_a)
    add_note(tenant_a, principal=boss, conversation=conversation, text=WHISPER, whisper=True)
    add_note(tenant_a, principal=boss, conversation=conversation, text="Team note")
    reassign_conversation(
        tenant_a,
        principal=boss,
        conversation=conversation,
        agent=AgentProfile.objects.get(user=dora),
    )
    return conversation


def page_of(client, conversation) -> str:
    url = reverse("inbox-conversation", args=[conversation.pk])
    return client.get(url, HTTP_HX_REQUEST="true").content.decode()


def api_texts(client, conversation) -> list[str]:
    url = reverse("api-conversation-messages", args=[conversation.pk])
    return [m["text"] for m in client.get(url).json()["results"]]


def test_the_agent_who_gets_the_conversation_later_does_not_read_the_whisper(dora, whispered):
    client = signed_in_client(dora)

    assert WHISPER not in page_of(client, whispered) and "Team note" in page_of(client, whispered)
    assert api_texts(client, whispered) == ["Team note"]


def test_the_supervisors_read_every_whisper(alice_client, whispered):
    assert WHISPER in page_of(alice_client, whispered)
    assert WHISPER in api_texts(alice_client, whispered)


def test_the_addressee_reads_it_in_the_contacts_next_conversation(
    tenant_a, alice, bob, bob_client, dora
):
    old = ConversationFactory(tenant=tenant_a, assignee=bob, state="assigned")
    boss = principal_of(alice, tenant_a)
    add_note(tenant_a, principal=boss, conversation=old, text=WHISPER, whisper=True)
    old.state = "resolved"
    old.save(update_fields=["state"])
    for agent in (bob, dora):
        later = ConversationFactory(
            tenant=tenant_a, contact=old.contact, assignee=agent, state="assigned"
        )
        shown = page_of(signed_in_client(agent), later)
        assert (WHISPER in shown) == (agent == bob)
        later.state = "resolved"
        later.save(update_fields=["state"])


def test_a_supervisor_who_holds_the_conversation_is_offered_no_whisper(
    tenant_a, alice, alice_client
):
    """After a take-over the supervisor is the assignee: a whisper would reach only themselves."""
    from contactcenter.errors import ValidationFailed

    mine = ConversationFactory(
        tenant=tenant_a,
        assignee=alice,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=1),
    )
    assert 'name="whisper"' not in page_of(alice_client, mine)
    with pytest.raises(ValidationFailed):
        add_note(
            tenant_a,
            principal=principal_of(alice, tenant_a),
            conversation=mine,
            text="x",
            whisper=True,
        )
    assert not mine.messages.exists()


def test_a_supervisor_is_offered_a_whisper_to_the_agent(tenant_a, alice_client, bob):
    bobs = ConversationFactory(
        tenant=tenant_a,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=1),
    )
    assert 'name="whisper"' in page_of(alice_client, bobs)
