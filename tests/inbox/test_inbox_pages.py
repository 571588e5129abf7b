"""The agent inbox pages: what an agent sees and can do, server-rendered."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import ConversationEvent, Direction, EventType, Message
from templates_hsm.models import Template, TemplateStatus
from tests.factories import ContactFactory, ConversationFactory

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def mine(tenant_a, bob):
    contact = ContactFactory(tenant=tenant_a, name=HOSTILE)
    conversation = ConversationFactory(
        tenant=tenant_a,
        contact=contact,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=1),
        last_message_preview=HOSTILE,
    )
    Message.objects.create(
        tenant=tenant_a,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.INBOUND,
        kind="text",
        text=f"Hello {HOSTILE}",
        wamid="wamid.A",
        status="received",
    )
    return conversation


def test_the_list_and_thread_escape_hostile_customer_text(bob_client, mine):
    page = bob_client.get(reverse("inbox") + f"?c={mine.pk}").content.decode()

    assert HOSTILE not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_an_agent_sees_own_and_queue_but_not_a_colleagues_conversation(
    bob_client, mine, tenant_a, alice
):
    queued = ConversationFactory(tenant=tenant_a, state="queued", last_message_preview="waiting")
    colleague = ConversationFactory(tenant=tenant_a, assignee=alice, state="assigned")

    queue_tab = bob_client.get(reverse("inbox-list") + "?tab=queue").content.decode()
    assert f'data-conversation="{queued.pk}"' in queue_tab
    assert f'data-conversation="{mine.pk}"' not in queue_tab
    assert bob_client.get(reverse("inbox-conversation", args=[colleague.pk])).status_code == 404


def test_agent_replies_from_the_composer(bob_client, mine, bob):
    response = bob_client.post(
        reverse("inbox-reply", args=[mine.pk]),
        {"text": "Hi, how can I help?"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    reply = Message.objects.get(conversation=mine, direction=Direction.OUTBOUND)
    assert (reply.text, reply.author, reply.status) == ("Hi, how can I help?", bob, "queued")
    assert "Hi, how can I help?" in response.content.decode()


def test_without_javascript_a_reply_redirects_back_to_the_conversation(bob_client, mine):
    response = bob_client.post(reverse("inbox-reply", args=[mine.pk]), {"text": "Plain form"})

    assert response.status_code == 302 and response["Location"].endswith(f"?c={mine.pk}")


def test_closed_window_offers_only_approved_templates_and_sends_one(bob_client, mine, tenant_a):
    mine.last_inbound_at = timezone.now() - timedelta(hours=30)
    mine.save()
    approved = Template.objects.create(
        tenant=tenant_a,
        waba_id=mine.channel.waba_id,
        name="order_update",
        language="en",
        status=TemplateStatus.APPROVED,
        body_text="Order {{1}} is ready",
        body_param_count=1,
    )
    Template.objects.create(
        tenant=tenant_a,
        waba_id=mine.channel.waba_id,
        name="paused_one",
        language="en",
        status=TemplateStatus.PAUSED,
    )

    page = bob_client.get(reverse("inbox-conversation", args=[mine.pk])).content.decode()
    assert 'data-testid="template-composer"' in page and 'data-testid="composer"' not in page
    assert "order_update" in page and "paused_one" not in page

    refused = bob_client.post(
        reverse("inbox-reply", args=[mine.pk]), {"text": "hi"}, HTTP_HX_REQUEST="true"
    )
    assert "approved template" in refused.content.decode()
    sent = bob_client.post(
        reverse("inbox-template", args=[mine.pk]),
        {"template": approved.pk, f"param-{approved.pk}": "4411"},
        HTTP_HX_REQUEST="true",
    )
    assert sent.status_code == 200
    message = Message.objects.get(conversation=mine, direction=Direction.OUTBOUND)
    assert message.kind == "template" and message.payload["template"]["name"] == "order_update"


def test_template_with_a_missing_value_says_how_many_are_needed(bob_client, mine, tenant_a):
    mine.last_inbound_at = None
    mine.save()
    approved = Template.objects.create(
        tenant=tenant_a,
        waba_id=mine.channel.waba_id,
        name="two_values",
        language="en",
        status=TemplateStatus.APPROVED,
        body_text="{{1}} {{2}}",
        body_param_count=2,
    )

    response = bob_client.post(
        reverse("inbox-template", args=[mine.pk]),
        {"template": approved.pk, f"param-{approved.pk}": ["only one"]},
        HTTP_HX_REQUEST="true",
    )

    assert "needs 2 values" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_internal_note_is_kept_in_the_thread_and_never_queued(bob_client, mine):
    bob_client.post(
        reverse("inbox-note", args=[mine.pk]), {"text": "VIP, be gentle"}, HTTP_HX_REQUEST="true"
    )

    note = Message.objects.get(conversation=mine, is_internal_note=True)
    assert note.status == "received" and note.kind == "note"
    assert ConversationEvent.objects.filter(conversation=mine, type=EventType.NOTE_ADDED).exists()


def test_resolve_and_snooze_write_events(bob_client, mine):
    bob_client.post(
        reverse("inbox-state", args=[mine.pk]),
        {"action": "snooze", "snooze_hours": "4"},
        HTTP_HX_REQUEST="true",
    )
    mine.refresh_from_db()
    assert mine.state == "snoozed" and mine.snoozed_until > timezone.now() + timedelta(hours=3)

    bob_client.post(
        reverse("inbox-state", args=[mine.pk]), {"action": "resolve"}, HTTP_HX_REQUEST="true"
    )
    mine.refresh_from_db()
    assert mine.state == "resolved"
    types = set(ConversationEvent.objects.filter(conversation=mine).values_list("type", flat=True))
    assert {"snoozed", "resolved"} <= types


def test_opening_an_unread_conversation_marks_it_read_by_post_only(bob_client, mine):
    mine.unread_count = 2
    mine.save()

    assert bob_client.get(reverse("inbox-read", args=[mine.pk])).status_code == 405
    bob_client.post(reverse("inbox-read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    mine.refresh_from_db()
    assert mine.unread_count == 0


def test_another_tenant_cannot_open_or_post_to_a_conversation(charlie_client, mine):
    for name in ("inbox-conversation", "inbox-thread"):
        assert charlie_client.get(reverse(name, args=[mine.pk])).status_code == 404
    for name in ("inbox-reply", "inbox-note", "inbox-state", "inbox-read", "inbox-template"):
        assert charlie_client.post(reverse(name, args=[mine.pk]), {"text": "x"}).status_code == 404
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
