"""Meta's webhook endpoint: the GET handshake, then signature, size and JSON checks before the
one INSERT; through the Django view, the service, and the lean ASGI route."""

import json
import re

import httpx
import pytest
from django.urls import reverse

from contactcenter.webhook_asgi import lean_webhooks
from inbox.channels.whatsapp.signature import sign
from inbox.models import DeliveryState, Message, WebhookDelivery
from inbox.services import ingest
from inbox.services.webhooks import MAX_BODY_BYTES, accept_delivery
from tests.factories import ChannelFactory

from .fixtures import (
    OTHER_PHONE_NUMBER_ID,
    PHONE_NUMBER_ID,
    isolated_broker,  # noqa: F401 - a fixture
    load,
    wire,
    with_number,
)

SECRET = "app-secret-of-acme"
URL = "/webhooks/whatsapp/"


@pytest.fixture
def channel(tenant_a):
    return ChannelFactory(
        tenant=tenant_a,
        phone_number_id=PHONE_NUMBER_ID,
        app_secret=SECRET,
        verify_token="verify-acme-7f3a",
    )


def post(client, raw: bytes, signature: str | None, **extra):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature is not None else {}
    return client.post(URL, data=raw, content_type="application/json", **headers, **extra)


def test_the_route_is_the_one_meta_is_given():
    assert reverse("whatsapp-webhook") == URL


# --- GET verification handshake ----------------------------------------------------------------


def test_the_right_verify_token_echoes_the_challenge_as_plain_text(client, channel):
    response = client.get(
        URL,
        {
            "hub.mode": "subscribe",
            "hub.challenge": "1158201444",
            "hub.verify_token": "verify-acme-7f3a",
        },
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "verify-acme-7f3b"},
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": "verify-acme-7f3a"},
        {},
    ],
)
def test_a_wrong_handshake_is_refused(client, channel, params):
    response = client.get(URL, params)

    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_the_token_of_a_switched_off_channel_is_refused(client, channel):
    channel.is_active = False
    channel.save()

    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.challenge": "5", "hub.verify_token": channel.verify_token},
    )

    assert response.status_code == 403


# --- POST: signature before anything is stored -------------------------------------------------


def test_a_signed_post_is_stored_once_and_queued_after_commit(
    client, channel, django_capture_on_commit_callbacks
):
    raw = wire(load("text"))

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == raw
    assert delivery.tenant_id == channel.tenant_id
    assert delivery.signature_verified is True
    assert delivery.state == DeliveryState.PENDING
    assert delivery.signature == sign(raw, SECRET)
    assert len(callbacks) == 1  # the process_webhook task, queued only once the row is committed
    assert not Message.objects.exists()  # nothing processed on the request path


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha256=nothex", "sha1=abc"],
    ids=["missing", "empty", "wrong", "junk", "sha1"],
)
def test_a_post_without_a_valid_signature_is_refused_and_not_stored(client, channel, signature):
    response = post(client, wire(load("text")), signature)

    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_a_body_signed_by_another_apps_secret_is_refused(client, channel):
    raw = wire(load("text"))

    response = post(client, raw, sign(raw, "secret-of-some-other-app"))

    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_a_reserialized_body_does_not_pass_with_the_original_signature(client, channel):
    payload = load("text")
    signature = sign(wire(payload), SECRET)

    response = post(client, json.dumps(payload, ensure_ascii=False).encode(), signature)

    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_one_apps_secret_cannot_write_into_another_tenants_number(client, channel, tenant_b):
    """A payload naming our number and theirs, signed with our secret only, is refused."""
    ChannelFactory(tenant=tenant_b, phone_number_id=OTHER_PHONE_NUMBER_ID, app_secret="theirs")
    raw = wire(load("batch"))

    response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_two_numbers_of_one_app_and_tenant_are_one_delivery_of_that_tenant(client, channel):
    ChannelFactory(tenant=channel.tenant, phone_number_id=OTHER_PHONE_NUMBER_ID, app_secret=SECRET)
    raw = wire(load("batch"))

    response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().tenant_id == channel.tenant_id


def test_an_unknown_number_is_kept_as_an_orphan_of_no_tenant(client, channel):
    raw = wire(with_number(load("text"), "999999999999999"))

    response = post(client, raw, sign(raw, "whatever"))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.tenant_id, delivery.signature_verified) == (
        DeliveryState.ORPHAN,
        None,
        False,
    )
    assert ingest.process_delivery(delivery.pk) is False
    assert not Message.objects.exists()


def test_only_a_few_orphans_a_minute_are_kept(client, channel, settings):
    settings.WEBHOOK_ORPHANS_PER_MINUTE = 2
    raw = wire(with_number(load("text"), "999999999999999"))

    answers = [post(client, raw, sign(raw, "whatever")) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "not registered here" in answers[2].content.decode()
    assert WebhookDelivery.objects.count() == 2
    # Deliveries of our own numbers are never held back by strangers' traffic.
    own = wire(load("text"))
    assert post(client, own, sign(own, SECRET)).status_code == 200


def test_one_sender_cannot_spend_everyones_orphan_budget(client, channel, settings):
    settings.WEBHOOK_ORPHANS_PER_IP_PER_MINUTE = 2
    raw = wire(with_number(load("text"), "999999999999999"))

    flood = [post(client, raw, "sha256=0", REMOTE_ADDR="203.0.113.7") for _ in range(4)]
    other = post(client, raw, "sha256=0", REMOTE_ADDR="198.51.100.20")

    assert [r.status_code for r in flood] == [200, 200, 429, 429]
    assert other.status_code == 200
    assert WebhookDelivery.objects.filter(state=DeliveryState.ORPHAN).count() == 3


def test_an_orphan_is_stored_truncated_and_orphans_have_a_byte_budget(client, channel, settings):
    settings.WEBHOOK_ORPHAN_MAX_BYTES = 1024
    settings.WEBHOOK_ORPHAN_BYTES_PER_MINUTE = 2048
    raw = padded(with_number(load("text"), "999999999999999"), 100_000)

    answers = [post(client, raw, "sha256=0", REMOTE_ADDR=f"192.0.2.{i}") for i in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    stored = [bytes(d.body) for d in WebhookDelivery.objects.order_by("pk")]
    assert stored == [raw[:1024], raw[:1024]]


def test_a_switched_off_channel_gets_orphans(client, channel):
    channel.is_active = False
    channel.save()
    raw = wire(load("text"))

    response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().state == DeliveryState.ORPHAN


# --- POST: size and shape ----------------------------------------------------------------------


def padded(payload: dict, size: int) -> bytes:
    """The payload grown to `size` bytes with a field the parser ignores."""
    payload["padding"] = ""
    missing = size - len(wire(payload))
    payload["padding"] = "x" * missing
    raw = wire(payload)
    assert len(raw) == size
    return raw


def test_a_body_over_3_mb_is_refused_and_nothing_is_stored(client, channel):
    raw = padded(load("text"), MAX_BODY_BYTES + 1)

    response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_body_of_almost_3_mb_is_accepted_by_the_django_view(client, channel):
    """Above Django's 2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE, within Meta's 3 MB."""
    raw = padded(load("text"), MAX_BODY_BYTES - 10)

    response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == 200
    assert len(bytes(WebhookDelivery.objects.get().body)) == MAX_BODY_BYTES - 10


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json at all", 400),
        (b'{"object": "whatsapp_business_account", "entry": [', 400),
        (b"\xff\xfe\x00garbage", 400),
        (b"[1, 2, 3]", 400),
        (b"[" * 200_000 + b"]" * 200_000, 400),
        (b"", 400),
    ],
    ids=["text", "truncated", "binary", "array", "deep", "empty"],
)
def test_a_body_that_is_not_a_json_object_is_refused(client, channel, raw, status):
    response = post(client, raw, sign(raw, SECRET))

    assert response.status_code == status
    assert not WebhookDelivery.objects.exists()


def test_other_methods_are_not_allowed(client, channel):
    assert client.put(URL, data=b"{}").status_code == 405
    assert client.delete(URL).status_code == 405


# --- the service itself -------------------------------------------------------------------------


def test_accept_delivery_answers_like_the_view(channel):
    raw = wire(load("image"))

    assert accept_delivery(raw, None).status == 401
    assert accept_delivery(raw, sign(raw, "nope")).status == 401
    assert not WebhookDelivery.objects.exists()
    answer = accept_delivery(raw, sign(raw, SECRET))
    assert (answer.status, answer.text) == (200, "OK")
    assert WebhookDelivery.objects.count() == 1


def test_a_valid_post_is_then_processed_into_the_inbox(client, channel):
    raw = wire(load("text"))
    assert post(client, raw, sign(raw, SECRET)).status_code == 200

    assert ingest.process_delivery(WebhookDelivery.objects.get().pk) is True

    message = Message.objects.get()
    assert message.text == "Hi, my order #4411 has not arrived yet"
    assert message.conversation.tenant_id == channel.tenant_id
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED


# --- the lean ASGI route ------------------------------------------------------------------------


async def not_django(scope, receive, send):
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"django"})


@pytest.mark.django_db(transaction=True)
async def test_the_lean_asgi_route_checks_and_stores_like_the_view(
    tenant_a,
    isolated_broker,  # noqa: F811 - a fixture
):
    from asgiref.sync import sync_to_async

    await sync_to_async(ChannelFactory)(
        tenant=tenant_a, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET
    )
    app = lean_webhooks(not_django)
    raw = wire(load("text"))
    big = padded(load("text"), MAX_BODY_BYTES + 1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        good = await http.post(URL, content=raw, headers={"X-Hub-Signature-256": sign(raw, SECRET)})
        bad = await http.post(URL, content=raw, headers={"X-Hub-Signature-256": sign(raw, "x")})
        unsigned = await http.post(URL, content=raw)
        too_big = await http.post(URL, content=big, headers={"X-Hub-Signature-256": "sha256=0"})
        not_json = await http.post(URL, content=b"{", headers={"X-Hub-Signature-256": "sha256=0"})
        handshake = await http.get(URL, params={"hub.mode": "subscribe"})

    assert (good.status_code, good.text) == (200, "OK")
    assert good.headers["content-type"] == "text/plain"
    assert [r.status_code for r in (bad, unsigned, too_big, not_json)] == [401, 401, 413, 400]
    assert handshake.status_code == 418  # GET and everything else is Django's
    deliveries = await sync_to_async(list)(WebhookDelivery.objects.all())
    assert [(bytes(d.body), d.tenant_id) for d in deliveries] == [(raw, tenant_a.pk)]


@pytest.mark.django_db(transaction=True)
async def test_the_lean_asgi_route_counts_orphans_per_client_ip(settings):
    from asgiref.sync import sync_to_async

    settings.WEBHOOK_ORPHANS_PER_IP_PER_MINUTE = 1
    raw = wire(with_number(load("text"), "999999999999999"))
    statuses = []
    for address in ("203.0.113.7", "203.0.113.7", "198.51.100.20"):
        transport = httpx.ASGITransport(app=lean_webhooks(not_django), client=(address, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                URL, content=raw, headers={"X-Hub-Signature-256": "sha256=0"}
            )
            statuses.append(response.status_code)

    assert statuses == [200, 429, 200]
    assert await sync_to_async(WebhookDelivery.objects.count)() == 2


async def test_the_lean_asgi_route_answers_with_the_request_id():
    transport = httpx.ASGITransport(app=lean_webhooks(not_django))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        sent = await http.post(URL, content=b"{}", headers={"X-Request-ID": "meta-1"})
        made = await http.post(URL, content=b"{}")

    assert sent.status_code == made.status_code == 401
    assert sent.headers["x-request-id"] == "meta-1"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
