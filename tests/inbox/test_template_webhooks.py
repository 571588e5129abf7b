"""Meta's template status webhooks name a business account, not a number: they are signed for
by that account's app and change the template's status for its tenant only."""

import json

from inbox.channels.whatsapp.signature import sign
from inbox.models import DeliveryState, WebhookDelivery
from inbox.services.ingest import process_delivery
from inbox.services.webhooks import accept_delivery
from templates_hsm.models import Template, TemplateStatus
from tests.factories import ChannelFactory


def status_update(waba_id: str, event: str) -> bytes:
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "time": 1750040000,
                "changes": [
                    {
                        "field": "message_template_status_update",
                        "value": {
                            "event": event,
                            "message_template_id": 1689556908129832,
                            "message_template_name": "order_update",
                            "message_template_language": "pt_BR",
                            "reason": "NONE",
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def template(channel, status=TemplateStatus.APPROVED):
    return Template.objects.create(
        tenant=channel.tenant,
        waba_id=channel.waba_id,
        name="order_update",
        language="pt_BR",
        status=status,
    )


def test_a_signed_pause_reaches_the_accounts_tenant_and_pauses_the_template(tenant_a, tenant_b):
    channel = ChannelFactory(tenant=tenant_a, waba_id="777000", app_secret="app-a")
    ours = template(channel)
    other_tenants = template(ChannelFactory(tenant=tenant_b, waba_id="888000"))
    raw = status_update("777000", "PAUSED")

    answer = accept_delivery(raw, sign(raw, "app-a"))
    delivery = WebhookDelivery.objects.get()
    process_delivery(delivery.pk)

    assert answer.status == 200 and delivery.tenant_id == tenant_a.pk
    ours.refresh_from_db()
    other_tenants.refresh_from_db()
    assert ours.status == "PAUSED" and other_tenants.status == "APPROVED"


def test_signed_with_another_apps_secret_is_refused_and_not_stored(tenant_a):
    ChannelFactory(tenant=tenant_a, waba_id="777000", app_secret="app-a")
    raw = status_update("777000", "DISABLED")

    answer = accept_delivery(raw, sign(raw, "someone-elses-secret"))

    assert answer.status == 401 and not WebhookDelivery.objects.exists()


def test_an_unknown_business_account_is_kept_as_an_orphan(db):
    raw = status_update("123123", "APPROVED")

    accept_delivery(raw, sign(raw, "whatever"))

    assert WebhookDelivery.objects.get().state == DeliveryState.ORPHAN
