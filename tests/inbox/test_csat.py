"""The satisfaction survey: asked when an agent resolves inside the window, answered with a tap
that rates the resolved conversation (never reopens it), counted on the dashboard."""

import time

import pytest

from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal
from inbox.models import Conversation, ConversationEvent, ConversationState, EventType, Message
from inbox.services import conversations
from reporting.selectors import live_dashboard

from .fixtures import CUSTOMER_WA_ID, load, value_of
from .test_ingest import channel, deliver, text_from  # noqa: F401 - the channel fixture

pytestmark = pytest.mark.usefixtures("channel")


def tap(button_id: str, wamid: str, seconds: int) -> dict:
    payload = load("interactive_button_reply")
    message = value_of(payload)["messages"][0]
    message.update(id=wamid, timestamp=str(seconds))
    message["interactive"]["button_reply"] = {"id": button_id, "title": "Great"}
    return payload


@pytest.fixture
def handled(tenant_a, bob):
    """A customer wrote a minute ago; Bob has the conversation."""
    tenant_a.csat_survey = True
    tenant_a.save()
    deliver(text_from(CUSTOMER_WA_ID, "wamid.q1", int(time.time()) - 60, "Where is my order?"))
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(state="assigned", assignee=bob)
    conversation.refresh_from_db()
    return conversation


def resolve_as(user, tenant, conversation):
    principal = Principal.for_membership(Membership.objects.get(user=user, tenant=tenant))
    return conversations.resolve_conversation(
        tenant, principal=principal, conversation=conversation
    )


def survey_of(conversation) -> Message:
    return Message.objects.get(conversation=conversation, direction="out")


def test_resolving_sends_the_survey_in_the_customers_language(handled, bob, tenant_a):
    handled.contact.language = "pt"
    handled.contact.save()

    resolve_as(bob, tenant_a, handled)

    survey = survey_of(handled)
    interactive = survey.payload["interactive"]
    assert survey.author is None and survey.kind == "interactive"
    assert interactive["body"]["text"] == "Como você avalia nosso atendimento hoje?"
    ids = [b["reply"]["id"] for b in interactive["action"]["buttons"]]
    assert ids == ["csat:5", "csat:3", "csat:1"]
    request = ConversationEvent.objects.get(conversation=handled, type=EventType.CSAT_REQUESTED)
    assert request.data == {"message": survey.pk, "agent": bob.pk}
    handled.refresh_from_db()
    assert handled.first_response_at is None  # the survey is not the agent's answer


def test_the_tap_rates_the_resolved_conversation_without_reopening_it(handled, bob, tenant_a):
    resolve_as(bob, tenant_a, handled)

    deliver(tap("csat:5", "wamid.t1", int(time.time())))

    handled.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert handled.state == ConversationState.RESOLVED
    answer = ConversationEvent.objects.get(conversation=handled, type=EventType.CSAT_RECEIVED)
    tapped = Message.objects.get(wamid="wamid.t1")
    assert answer.data == {"score": 5, "agent": bob.pk, "message": tapped.pk}
    assert tapped.conversation_id == handled.pk
    assert not ConversationEvent.objects.filter(type=EventType.REOPENED).exists()

    deliver(tap("csat:1", "wamid.t2", int(time.time())))  # answered already: an ordinary message

    handled.refresh_from_db()
    assert handled.state == ConversationState.QUEUED
    assert ConversationEvent.objects.filter(type=EventType.CSAT_RECEIVED).count() == 1


def test_no_survey_when_the_company_has_it_off(handled, bob, tenant_a):
    tenant_a.csat_survey = False
    tenant_a.save()
    handled.tenant.refresh_from_db()

    resolve_as(bob, tenant_a, handled)

    assert not Message.objects.filter(direction="out").exists()


def test_the_dashboard_shows_the_top_box_share(handled, bob, tenant_a):
    resolve_as(bob, tenant_a, handled)
    deliver(tap("csat:3", "wamid.t1", int(time.time())))

    board = live_dashboard(tenant_a)

    assert (board.csat_surveys_today, board.csat_answers_today, board.csat_good_today) == (1, 1, 0)
    assert board.csat == 0.0
