"""Agents' replies: the 24-hour window, idempotency, attachments, and what the API accepts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal
from inbox.channels.whatsapp import outbound
from inbox.errors import WindowClosed
from inbox.models import ConversationEvent, EventType, Media, Message, MessageStatus
from inbox.services import sending
from tests.factories import ConversationFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def closed_conversation(tenant_a, bob):
    return ConversationFactory(
        tenant=tenant_a,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=25),
    )


def principal_of(user, tenant) -> Principal:
    return Principal.for_membership(Membership.objects.get(user=user, tenant=tenant))


def test_free_text_outside_the_window_is_refused_before_anything_is_queued(
    closed_conversation, bob, tenant_a
):
    with pytest.raises(WindowClosed, match="template"):
        sending.send_message(
            tenant_a,
            principal=principal_of(bob, tenant_a),
            conversation=closed_conversation,
            content=outbound.text_content("Hello?"),
        )

    assert not Message.objects.filter(conversation=closed_conversation).exists()


def test_a_template_may_be_sent_outside_the_window(closed_conversation, bob, tenant_a):
    message = sending.send_message(
        tenant_a,
        principal=principal_of(bob, tenant_a),
        conversation=closed_conversation,
        content=outbound.template_content("order_update", "en", ["4411"]),
    )

    assert (message.kind, message.status) == ("template", MessageStatus.QUEUED)


def test_reply_inside_the_window_is_queued_with_its_event_and_first_response(
    open_conversation, bob, tenant_a
):
    message = sending.send_message(
        tenant_a,
        principal=principal_of(bob, tenant_a),
        conversation=open_conversation,
        content=outbound.text_content("Hi Maria, how can I help?"),
    )

    open_conversation.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.author == bob
    assert open_conversation.first_response_at == message.sent_at
    event = ConversationEvent.objects.get(
        conversation=open_conversation, type=EventType.MESSAGE_SENT
    )
    assert event.data["message"] == message.pk and event.actor == bob


def test_the_same_idempotency_key_queues_one_message(open_conversation, bob, tenant_a):
    principal = principal_of(bob, tenant_a)
    first, second = (
        sending.send_message(
            tenant_a,
            principal=principal,
            conversation=open_conversation,
            content=outbound.text_content("Once"),
            idempotency_key="crm-42",
        )
        for _ in range(2)
    )

    assert first.pk == second.pk
    assert Message.objects.filter(conversation=open_conversation).count() == 1


def test_api_sends_text_and_refuses_it_when_the_window_is_closed(
    bob_client, open_conversation, closed_conversation
):
    url = reverse("api-conversation-messages", args=[open_conversation.pk])
    ok = bob_client.post(url, {"text": "On my way"}, content_type="application/json")
    closed = bob_client.post(
        reverse("api-conversation-messages", args=[closed_conversation.pk]),
        {"text": "Hello?"},
        content_type="application/json",
    )

    assert ok.status_code == 202 and ok.json()["status"] == "queued"
    assert closed.status_code == 409
    assert closed.json()["code"] == "window_closed"
    assert "template" in closed.json()["message"]


def test_api_validates_each_message_type_with_a_reason(bob_client, open_conversation):
    url = reverse("api-conversation-messages", args=[open_conversation.pk])
    cases = [
        ({"type": "buttons", "text": "Pick", "buttons": []}, "between 1 and 3"),
        ({"type": "cta_url", "text": "Pay", "url": "http://x.test", "url_label": "Go"}, "https"),
        ({"type": "location", "latitude": 120, "longitude": 0}, "latitude"),
        ({"type": "reaction"}, "react_to_wamid"),
        ({"type": "text", "text": "x" * 4097}, "text"),
    ]
    for body, expected in cases:
        response = bob_client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert expected in response.content.decode(), (body, response.content)
    assert not Message.objects.filter(conversation=open_conversation).exists()


def test_api_sends_interactive_list_and_location(bob_client, open_conversation):
    url = reverse("api-conversation-messages", args=[open_conversation.pk])
    menu = {
        "type": "list",
        "text": "Which team?",
        "list_button": "Teams",
        "sections": [{"title": "Account", "rows": [{"id": "billing", "title": "Billing"}]}],
    }
    where = {"type": "location", "latitude": -23.55, "longitude": -46.63, "location_name": "Shop"}

    for body in (menu, where):
        assert bob_client.post(url, body, content_type="application/json").status_code == 202
    kinds = list(
        Message.objects.filter(conversation=open_conversation).values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["interactive", "location"]


def test_an_attachment_is_stored_with_the_message_for_the_sender_to_upload(
    bob_client, open_conversation
):
    url = reverse("api-conversation-messages", args=[open_conversation.pk])
    upload = SimpleUploadedFile("receipt.png", PNG, content_type="image/png")

    response = bob_client.post(url, {"type": "media", "file": upload, "text": "Your receipt"})

    assert response.status_code == 202, response.content
    message = Message.objects.get(pk=response.json()["id"])
    media = Media.objects.get(message=message)
    assert message.kind == "image" and message.payload["image"] == {"caption": "Your receipt"}
    assert media.file.read() == PNG and media.graph_media_id == ""


def test_an_unsupported_attachment_type_is_refused_with_what_is_accepted(
    bob_client, open_conversation
):
    url = reverse("api-conversation-messages", args=[open_conversation.pk])
    upload = SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/x-msdownload")

    response = bob_client.post(url, {"type": "media", "file": upload})

    assert response.status_code == 400
    assert "PDF" in response.content.decode()


def test_another_tenants_conversation_is_not_found(charlie_client, open_conversation):
    url = reverse("api-conversation-messages", args=[open_conversation.pk])

    response = charlie_client.post(url, {"text": "hi"}, content_type="application/json")

    assert response.status_code == 404
    assert not Message.objects.exists()
