"""Nothing in a payload reaches an object its signature did not cover: a delivery is processed
only against the channels whose app secret signed it, and a business account, like a number,
belongs to one company."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection

from inbox.channels.whatsapp.signature import sign
from inbox.models import DeadLetter, DeliveryState, Message, WebhookDelivery
from inbox.services.ingest import process_delivery
from templates_hsm.models import Template, TemplateStatus
from tests.factories import ChannelFactory

URL = "/webhooks/whatsapp/"


@pytest.fixture
def ours(tenant_a):
    return ChannelFactory(
        tenant=tenant_a, phone_number_id="301", waba_id="3010", app_secret="secret-of-a"
    )


@pytest.fixture
def theirs(tenant_b):
    return ChannelFactory(
        tenant=tenant_b, phone_number_id="401", waba_id="4010", app_secret="secret-of-b"
    )


def template_of(channel) -> Template:
    return Template.objects.create(
        tenant=channel.tenant,
        waba_id=channel.waba_id,
        name="order_update",
        language="pt_BR",
        status=TemplateStatus.APPROVED,
    )


def template_change(waba_id: str, *, metadata_number: str | None = None) -> dict:
    value = {
        "event": "DISABLED",
        "message_template_id": 1689556908129832,
        "message_template_name": "order_update",
        "message_template_language": "pt_BR",
        "reason": "NONE",
    }
    if metadata_number:
        value["metadata"] = {
            "display_phone_number": "15550001111",
            "phone_number_id": metadata_number,
        }
    return {"id": waba_id, "changes": [{"field": "message_template_status_update", "value": value}]}


def message_change(waba_id: str, phone_number_id: str, wamid: str) -> dict:
    return {
        "id": waba_id,
        "changes": [
            {
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": "15550001111",
                        "phone_number_id": phone_number_id,
                    },
                    "contacts": [{"profile": {"name": "Ana"}, "wa_id": "16505550123"}],
                    "messages": [
                        {
                            "from": "16505550123",
                            "id": wamid,
                            "timestamp": "1750040000",
                            "type": "text",
                            "text": {"body": "hola"},
                        }
                    ],
                },
            }
        ],
    }


def wire(*entries: dict) -> bytes:
    body = {"object": "whatsapp_business_account", "entry": list(entries)}
    return json.dumps(body, separators=(",", ":")).encode()


def post_and_process(client, raw: bytes, secret: str) -> int:
    response = client.post(
        URL, data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(raw, secret)
    )
    for delivery in WebhookDelivery.objects.filter(state=DeliveryState.PENDING):
        process_delivery(delivery.pk)
    return response.status_code


def test_a_template_change_signed_for_our_number_cannot_disable_another_companys_template(
    client, ours, theirs
):
    """The attack as reproduced: our own number in `metadata`, their account in `entry.id`."""
    their_template = template_of(theirs)
    raw = wire(template_change(theirs.waba_id, metadata_number=ours.phone_number_id))

    status = post_and_process(client, raw, "secret-of-a")

    their_template.refresh_from_db()
    assert status == 401
    assert their_template.status == TemplateStatus.APPROVED
    assert not WebhookDelivery.objects.exists()


def test_our_template_change_with_our_number_in_metadata_still_applies(client, ours):
    our_template = template_of(ours)
    raw = wire(template_change(ours.waba_id, metadata_number=ours.phone_number_id))

    assert post_and_process(client, raw, "secret-of-a") == 200

    our_template.refresh_from_db()
    assert our_template.status == TemplateStatus.DISABLED


def stored(raw: bytes, *channels) -> WebhookDelivery:
    """A delivery as the receiver stores it, signed for these channels only."""
    return WebhookDelivery.objects.create(
        body=raw,
        signature="sha256=stored",
        signature_verified=True,
        signed_channel_ids=[c.pk for c in channels],
        tenant=channels[0].tenant,
        state=DeliveryState.PENDING,
    )


def test_processing_parks_an_account_its_signature_did_not_cover(ours, theirs):
    their_template = template_of(theirs)
    delivery = stored(
        wire(
            message_change(ours.waba_id, ours.phone_number_id, "wamid.OURS"),
            template_change(theirs.waba_id),
        ),
        ours,
    )

    process_delivery(delivery.pk)

    their_template.refresh_from_db()
    assert their_template.status == TemplateStatus.APPROVED
    assert Message.objects.for_tenant(ours.tenant).filter(wamid="wamid.OURS").exists()
    parked = DeadLetter.objects.get(delivery=delivery)
    assert "4010" in parked.reason and "not signed for" in parked.reason


def test_processing_parks_a_number_its_signature_did_not_cover(ours, theirs):
    delivery = stored(wire(message_change(theirs.waba_id, theirs.phone_number_id, "wamid.B")), ours)

    process_delivery(delivery.pk)

    assert not Message.objects.filter(wamid="wamid.B").exists()
    assert theirs.phone_number_id in DeadLetter.objects.get(delivery=delivery).reason


def test_a_business_account_belongs_to_one_company(ours, tenant_b):
    with pytest.raises(IntegrityError, match="channel_waba_of_one_tenant"):
        ChannelFactory(tenant=tenant_b, waba_id=ours.waba_id)


def test_one_company_connects_several_numbers_of_its_business_account(ours):
    second = ChannelFactory(tenant=ours.tenant, waba_id=ours.waba_id)

    assert second.waba_id == ours.waba_id


# --- the upgrade ---------------------------------------------------------------------------------

upgrade = importlib.import_module("inbox.migrations.0008_webhook_signed_channels")


def test_the_upgrade_gives_waiting_deliveries_the_channels_that_signed_them(ours, theirs):
    raw = wire(
        message_change(ours.waba_id, ours.phone_number_id, "wamid.A"),
        message_change(theirs.waba_id, theirs.phone_number_id, "wamid.B"),
    )
    waiting = WebhookDelivery.objects.create(
        body=raw, signature=sign(raw, "secret-of-a"), state=DeliveryState.PENDING
    )

    upgrade.sign_pending_deliveries(django_apps, None)

    waiting.refresh_from_db()
    assert waiting.signed_channel_ids == [ours.pk]


def test_the_upgrade_refuses_a_business_account_two_companies_connected(ours, tenant_b):
    with connection.cursor() as cursor:  # as before the upgrade (rolled back with the test)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE inbox_channel DROP CONSTRAINT channel_waba_of_one_tenant")
    ChannelFactory(tenant=tenant_b, waba_id=ours.waba_id)

    with pytest.raises(RuntimeError, match=f"connected by more than one company: {ours.waba_id}"):
        upgrade.refuse_shared_accounts(django_apps, None)
