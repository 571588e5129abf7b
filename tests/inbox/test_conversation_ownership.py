"""One person answers a conversation: its assignee. A supervisor takes it over first, an agent
takes a waiting one when its queue allows; everyone else is told why, in the page and the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.accounts.models import Role
from contactcenter.accounts.permissions import Scope
from inbox.models import ConversationEvent, EventType, Message
from routing.models import AgentProfile
from routing.services.common import enqueue_entry
from tests.api.conftest import token_client
from tests.conftest import signed_in_client
from tests.factories import (
    AgentProfileFactory,
    ConversationFactory,
    MembershipFactory,
    QueueFactory,
    UserFactory,
)

STATE_ACTIONS = ["resolve", "pending", "snooze"]


@pytest.fixture
def dora(tenant_a):
    """A second agent of tenant A, online with room."""
    user = UserFactory(email="dora@a.test", full_name="Dora")
    membership = MembershipFactory(tenant=tenant_a, user=user, role=Role.AGENT)
    AgentProfileFactory(tenant=tenant_a, membership=membership)
    return user


@pytest.fixture
def dora_client(dora):
    return signed_in_client(dora)


@pytest.fixture
def bobs(tenant_a, bob):
    return ConversationFactory(
        tenant=tenant_a,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=1),
    )


def waiting_in(queue):
    conversation = ConversationFactory(
        tenant=queue.tenant, last_inbound_at=timezone.now() - timedelta(hours=1)
    )
    enqueue_entry(conversation, queue, now=timezone.now(), reason="test")
    return conversation


@pytest.fixture
def waiting(tenant_a):
    return waiting_in(QueueFactory(tenant=tenant_a, name="Sales"))


def reply(client, conversation, text="Hi, I can help"):
    return client.post(
        reverse("inbox-reply", args=[conversation.pk]), {"text": text}, HTTP_HX_REQUEST="true"
    )


def change(client, conversation, action):
    return client.post(
        reverse("inbox-state", args=[conversation.pk]), {"action": action}, HTTP_HX_REQUEST="true"
    )


def api_reply(client, conversation, **headers):
    return client.post(
        reverse("api-conversation-messages", args=[conversation.pk]),
        {"text": "Hi from the API"},
        content_type="application/json",
        **headers,
    )


def take(client, conversation):
    return client.post(reverse("inbox-take", args=[conversation.pk]), HTTP_HX_REQUEST="true")


def untouched(conversation, state):
    conversation.refresh_from_db()
    return (
        conversation.state == state
        and not Message.objects.filter(conversation=conversation).exists()
    )


# --- Nobody but the assignee answers or changes it ------------------------------------------


def test_another_agents_conversation_is_not_found_for_a_colleague(dora_client, bobs):
    assert reply(dora_client, bobs).status_code == 404
    for action in STATE_ACTIONS:
        assert change(dora_client, bobs, action).status_code == 404
    assert api_reply(dora_client, bobs).status_code == 404
    assert untouched(bobs, "assigned")


def test_an_agent_cannot_answer_or_close_a_waiting_conversation_without_taking_it(
    dora_client, waiting
):
    page = reply(dora_client, waiting).content.decode()
    assert "waiting for an agent" in page
    for action in STATE_ACTIONS:
        assert "waiting for an agent" in change(dora_client, waiting, action).content.decode()
    response = api_reply(dora_client, waiting)

    assert response.status_code == 409
    assert response.json()["code"] == "not_assignee"
    assert untouched(waiting, "queued")


def test_a_supervisor_must_take_over_before_answering_or_changing_it(alice_client, bobs):
    page = reply(alice_client, bobs).content.decode()
    assert "Bob is handling this conversation. Take it over" in page
    for action in STATE_ACTIONS:
        assert (
            "Bob is handling this conversation"
            in change(alice_client, bobs, action).content.decode()
        )
    response = api_reply(alice_client, bobs)

    assert response.status_code == 409
    assert response.json() == {
        "code": "not_assignee",
        "message": "Bob is handling this conversation. Take it over to answer or change it.",
        "extra": {},
    }
    assert untouched(bobs, "assigned")


def test_the_refusal_speaks_the_users_language(alice, alice_client, bobs):
    alice.language = "es"
    alice.save(update_fields=["language"])

    response = api_reply(alice_client, bobs)

    assert response.json()["message"].startswith("Bob está atendiendo esta conversación.")


def test_the_assignee_still_answers_and_closes_it(bob_client, bobs):
    assert reply(bob_client, bobs).status_code == 200
    assert change(bob_client, bobs, "resolve").status_code == 200

    bobs.refresh_from_db()
    assert bobs.state == "resolved"
    assert Message.objects.filter(conversation=bobs, text="Hi, I can help").exists()


def test_the_page_offers_the_composer_only_to_the_assignee(alice_client, bob_client, bobs):
    url = reverse("inbox-conversation", args=[bobs.pk])

    supervisor_view = alice_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    agent_view = bob_client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'data-testid="composer"' not in supervisor_view and "Take over" in supervisor_view
    assert 'data-testid="composer"' in agent_view and 'data-testid="take"' not in agent_view


# --- Take over, take --------------------------------------------------------------------------


def test_a_supervisor_takes_over_and_then_answers(alice, bob, alice_client, bob_client, bobs):
    assert take(alice_client, bobs).status_code == 200

    bobs.refresh_from_db()
    assert bobs.assignee_id == alice.pk
    event = ConversationEvent.objects.get(conversation=bobs, type=EventType.TAKEN_OVER)
    assert (event.actor_id, event.data["from_agent"]) == (alice.pk, bob.pk)
    assert reply(alice_client, bobs).status_code == 200
    assert reply(bob_client, bobs).status_code == 404  # no longer his to see


def test_an_agent_takes_a_waiting_conversation_only_when_its_queue_allows(
    dora, dora_client, tenant_a
):
    strict = waiting_in(QueueFactory(tenant=tenant_a, name="Strict"))
    open_queue = waiting_in(QueueFactory(tenant=tenant_a, name="Open", agents_may_take=True))

    page = take(dora_client, strict).content.decode()
    strict.refresh_from_db()
    assert "The Strict queue hands out its conversations in order" in page
    assert strict.assignee_id is None
    shown = dora_client.get(reverse("inbox-conversation", args=[strict.pk]), HTTP_HX_REQUEST="true")
    assert reverse("inbox-take", args=[strict.pk]) not in shown.content.decode()

    assert take(dora_client, open_queue).status_code == 200
    open_queue.refresh_from_db()
    assert (open_queue.state, open_queue.assignee_id) == ("assigned", dora.pk)
    assigned = ConversationEvent.objects.get(conversation=open_queue, type=EventType.ASSIGNED)
    assert assigned.data["reason"] == "taken" and assigned.actor_id == dora.pk
    assert reply(dora_client, open_queue).status_code == 200


def test_the_api_takes_and_says_why_not(dora, dora_client, tenant_a):
    strict = waiting_in(QueueFactory(tenant=tenant_a, name="Strict"))
    allowed = waiting_in(QueueFactory(tenant=tenant_a, name="Open", agents_may_take=True))

    refused = dora_client.post(reverse("api-conversation-take", args=[strict.pk]))
    taken = dora_client.post(reverse("api-conversation-take", args=[allowed.pk]))
    again = dora_client.post(reverse("api-conversation-take", args=[allowed.pk]))

    assert refused.status_code == 409 and "hands out its conversations" in refused.json()["message"]
    assert taken.status_code == 200 and taken.json()["assignee"] == dora.pk
    assert again.status_code == 409


def test_an_agent_without_a_free_slot_cannot_take(dora, dora_client, tenant_a):
    AgentProfile.objects.filter(user=dora).update(max_total=0)
    conversation = waiting_in(QueueFactory(tenant=tenant_a, agents_may_take=True))

    page = take(dora_client, conversation).content.decode()

    assert "You have no free slot" in page
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_another_tenant_cannot_take(charlie_client, waiting):
    assert take(charlie_client, waiting).status_code == 404
    response = charlie_client.post(reverse("api-conversation-take", args=[waiting.pk]))
    assert response.status_code == 404


def test_an_api_token_answers_only_with_the_conversations_all_scope(alice, tenant_a, waiting):
    narrow = token_client(alice, tenant_a, [Scope.INBOX_READ, Scope.INBOX_WRITE])
    wide = token_client(
        alice, tenant_a, [Scope.INBOX_READ, Scope.INBOX_WRITE, Scope.CONVERSATIONS_ALL]
    )

    refused = api_reply(narrow, waiting)
    sent = api_reply(wide, waiting)

    assert refused.status_code == 409 and "conversations:all" in refused.json()["message"]
    assert sent.status_code == 202
