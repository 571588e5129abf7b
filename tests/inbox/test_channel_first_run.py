"""A company's admin without a WhatsApp number is walked through connecting one: the connect
page explains the fields, the check page shows what to copy into Meta and sends a test reply."""

import pytest
from django.urls import reverse

from contactcenter.accounts.models import AuditEvent
from inbox.models import Channel, Direction, Message, MessageStatus
from tests.factories import ChannelFactory, InboundMessageFactory

pytestmark = pytest.mark.django_db

NEW_NUMBER = {
    "name": "Sales",
    "waba_id": "102290129340398",
    "phone_number_id": "106540352242922",
    "display_phone_number": "+55 11 4000-1234",
    "throughput_mps": 80,
    "is_active": "on",
    "app_secret": "the-app-secret",
    "access_token": "the-access-token",
}


def test_an_admin_of_a_company_without_a_number_lands_on_the_connect_page(alice_client):
    response = alice_client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == reverse("inbox-channel-create")
    page = response.content.decode()
    assert 'id="first-run"' in page and "Welcome to Acme" in page
    for field in ("Phone number id", "WABA id", "Access token", "App secret"):
        assert field in page


def test_agents_are_not_sent_there_nor_admins_once_a_number_is_connected(
    bob_client, alice_client, tenant_a
):
    assert bob_client.get("/")["Location"] == reverse("inbox")

    ChannelFactory(tenant=tenant_a)

    assert alice_client.get("/")["Location"] == reverse("dashboard")
    connect_page = alice_client.get(reverse("inbox-channel-create")).content.decode()
    assert 'id="first-run"' not in connect_page


def test_connecting_shows_the_webhook_url_and_verify_token_to_copy(alice_client, settings):
    settings.PUBLIC_BASE_URL = "https://cc.acme.example"

    response = alice_client.post(reverse("inbox-channel-create"), NEW_NUMBER, follow=True)

    channel = Channel.objects.get(phone_number_id=NEW_NUMBER["phone_number_id"])
    assert response.redirect_chain[-1][0] == reverse("inbox-channel-check", args=[channel.pk])
    page = response.content.decode()
    assert 'value="https://cc.acme.example/webhooks/whatsapp/"' in page
    assert f'value="{channel.verify_token}"' in page and len(channel.verify_token) >= 24
    assert "Nothing received yet" in page


def test_the_test_message_replies_to_the_phone_that_wrote_through_the_sending_path(
    alice_client, tenant_a, open_conversation
):
    InboundMessageFactory(conversation=open_conversation, text="hi from my phone")
    check = reverse("inbox-channel-check", args=[open_conversation.channel_id])
    assert "Received “hi from my phone”" in alice_client.get(check).content.decode()

    page = alice_client.post(check, follow=True).content.decode()

    sent = Message.objects.get(conversation=open_conversation, direction=Direction.OUTBOUND)
    assert sent.status == MessageStatus.QUEUED and "this WhatsApp number is connected" in sent.text
    assert "Test message queued" in page and "Last message sent: Queued" in page
    assert AuditEvent.objects.filter(tenant=tenant_a, action="channel.tested").exists()


def test_no_test_message_before_a_message_has_arrived(alice_client, tenant_a):
    channel = ChannelFactory(tenant=tenant_a)

    page = alice_client.post(
        reverse("inbox-channel-check", args=[channel.pk]), follow=True
    ).content.decode()

    assert "No message has reached this number yet" in page
    assert not Message.objects.filter(tenant=tenant_a).exists()


def test_the_check_page_needs_config_rights_and_hides_other_companies(
    alice_client, bob_client, tenant_a, tenant_b
):
    own, other = ChannelFactory(tenant=tenant_a), ChannelFactory(tenant=tenant_b)

    assert bob_client.get(reverse("inbox-channel-check", args=[own.pk])).status_code == 403
    assert alice_client.get(reverse("inbox-channel-check", args=[other.pk])).status_code == 404
    assert alice_client.post(reverse("inbox-channel-check", args=[other.pk])).status_code == 404
