"""Admins connect WhatsApp numbers in the UI and the API; secrets are write-only."""

from django.db import connection
from django.urls import reverse

from contactcenter.accounts.models import AuditEvent
from inbox.models import Channel
from tests.factories import ChannelFactory

FORM = {
    "name": "Support",
    "waba_id": "102290129340398",
    "phone_number_id": "106540352242922",
    "display_phone_number": "+1 555 078 3881",
    "verified_name": "Acme Support",
    "throughput_mps": "80",
    "is_active": "on",
    "app_secret": "the-app-secret-value",
    "access_token": "EAAG-the-access-token",
}


def test_admin_connects_a_number_and_secrets_are_encrypted_at_rest(alice_client, tenant_a):
    response = alice_client.post(reverse("inbox-channel-create"), FORM)

    assert response.status_code == 302
    channel = Channel.objects.for_tenant(tenant_a).get(phone_number_id="106540352242922")
    assert channel.app_secret == "the-app-secret-value"
    assert channel.verify_token  # generated for the webhook handshake
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT app_secret, access_token FROM inbox_channel WHERE id=%s", [channel.pk]
        )
        stored = " ".join(cursor.fetchone())
    assert "the-app-secret-value" not in stored and "EAAG" not in stored
    audit = AuditEvent.objects.get(tenant=tenant_a, action="channel.created")
    assert "the-app-secret-value" not in str(audit.data)


def test_edit_page_never_shows_secrets_and_empty_fields_keep_them(alice_client, tenant_a):
    channel = ChannelFactory(tenant=tenant_a, app_secret="keep-me-secret", access_token="tok-1")
    url = reverse("inbox-channel-edit", args=[channel.pk])

    page = alice_client.get(url).content.decode()
    assert "keep-me-secret" not in page and "tok-1" not in page

    data = {**FORM, "phone_number_id": channel.phone_number_id, "name": "Renamed"}
    data.update(app_secret="", access_token="tok-2")
    assert alice_client.post(url, data).status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.app_secret, channel.access_token) == (
        "Renamed",
        "keep-me-secret",
        "tok-2",
    )


def test_a_number_connected_elsewhere_is_refused_with_a_reason(alice_client, tenant_b):
    ChannelFactory(tenant=tenant_b, phone_number_id=FORM["phone_number_id"])

    response = alice_client.post(reverse("inbox-channel-create"), FORM)

    assert response.status_code == 200
    assert "already connected" in response.content.decode()


def test_non_numeric_ids_get_a_clear_error(alice_client):
    response = alice_client.post(reverse("inbox-channel-create"), {**FORM, "waba_id": "abc"})

    assert "numeric id from WhatsApp Manager" in response.content.decode()


def test_agents_cannot_manage_numbers(bob_client, tenant_a):
    channel = ChannelFactory(tenant=tenant_a)

    assert bob_client.get(reverse("inbox-channels")).status_code == 403
    assert bob_client.post(reverse("inbox-channel-create"), FORM).status_code == 403
    assert bob_client.get(reverse("inbox-channel-edit", args=[channel.pk])).status_code == 403
    assert not Channel.objects.filter(phone_number_id=FORM["phone_number_id"]).exists()


def test_another_tenants_number_is_not_found(alice_client, tenant_b):
    channel = ChannelFactory(tenant=tenant_b)

    assert alice_client.get(reverse("inbox-channel-edit", args=[channel.pk])).status_code == 404


def test_api_creates_a_channel_and_never_returns_secrets(alice_client, tenant_a):
    response = alice_client.post(reverse("api-channels"), FORM, content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert "app_secret" not in body and "access_token" not in body
    listing = alice_client.get(reverse("api-channels")).content.decode()
    assert "the-app-secret-value" not in listing


def test_a_business_account_of_another_company_is_refused_with_a_reason(alice_client, tenant_b):
    ChannelFactory(tenant=tenant_b, waba_id=FORM["waba_id"])

    response = alice_client.post(reverse("inbox-channel-create"), FORM)

    assert response.status_code == 200
    assert "connected by another company" in response.content.decode()
    assert not Channel.objects.filter(phone_number_id=FORM["phone_number_id"]).exists()


def test_api_refuses_to_move_a_number_into_another_companys_business_account(
    alice_client, tenant_a, tenant_b
):
    mine = ChannelFactory(tenant=tenant_a)
    theirs = ChannelFactory(tenant=tenant_b)

    response = alice_client.patch(
        reverse("api-channel", args=[mine.pk]),
        {"waba_id": theirs.waba_id},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    mine.refresh_from_db()
    assert mine.waba_id != theirs.waba_id
