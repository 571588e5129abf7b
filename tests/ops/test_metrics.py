"""/metrics: off without METRICS_TOKEN, for its bearer only, and exempt from the HTTPS redirect
and host check like the probes; each metric moves when what it measures happens."""

from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from inbox.models import DeliveryState, MessageStatus, WebhookDelivery
from inbox.services import sending
from routing.services.routing import route_conversation
from tests.conftest import signed_in_client
from tests.factories import ChannelFactory, ConversationFactory, QueueFactory
from tests.fake_graph import fake_graph  # noqa: F401 - fixture
from tests.inbox.fixtures import TEST_BROKER_URL, isolated_broker  # noqa: F401 - fixture
from tests.inbox.test_deliver import queue_reply
from tests.realtime.hub import communicator, opened, session_cookie

TOKEN = "scrape-me-0123456789"
AS_PROMETHEUS = {"host": "10.1.2.3:8000", "authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    return settings


def scrape() -> dict[tuple[str, tuple], float]:
    response = Client().get("/metrics", headers=AS_PROMETHEUS)
    assert response.status_code == 200, response.content
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_not_served_without_a_token(db):
    assert Client().get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(metrics_on, db):
    missing = Client().get("/metrics")
    wrong = Client().get("/metrics", headers={"authorization": "Bearer guess"})

    assert missing.status_code == wrong.status_code == 401
    assert missing["WWW-Authenticate"] == "Bearer"


def test_prometheus_scrapes_by_ip_over_plain_http_in_production(metrics_on, db):
    metrics_on.ALLOWED_HOSTS = ["cc.example.com"]
    metrics_on.SECURE_SSL_REDIRECT = True

    response = Client().get("/metrics", headers=AS_PROMETHEUS)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_webhook_intake_is_counted_by_status_and_timed(metrics_on, db):
    before = scrape()

    Client().post("/webhooks/whatsapp/", b"{}", content_type="application/json")  # unsigned
    Client().post("/webhooks/whatsapp/", b"[", content_type="application/json")

    after = scrape()
    assert value(after, "cc_webhook_deliveries_total", status="401") == 1 + value(
        before, "cc_webhook_deliveries_total", status="401"
    )
    assert value(after, "cc_webhook_deliveries_total", status="400") == 1 + value(
        before, "cc_webhook_deliveries_total", status="400"
    )
    assert value(after, "cc_webhook_intake_seconds_count") == 2 + value(
        before, "cc_webhook_intake_seconds_count"
    )


def test_processing_lag_is_the_age_of_the_oldest_pending_delivery(metrics_on, db):
    assert value(scrape(), "cc_webhook_processing_lag_seconds") == 0
    now = timezone.now()
    for age_s, state in ((90, DeliveryState.PENDING), (30, DeliveryState.PENDING)):
        WebhookDelivery.objects.create(
            body=b"{}", state=state, received_at=now - timedelta(seconds=age_s)
        )
    WebhookDelivery.objects.create(
        body=b"{}", state=DeliveryState.PROCESSED, received_at=now - timedelta(hours=1)
    )

    assert 90 <= value(scrape(), "cc_webhook_processing_lag_seconds") < 120


def test_queue_depths_are_read_from_the_broker(metrics_on, db, isolated_broker):  # noqa: F811
    metrics_on.CELERY_BROKER_URL = TEST_BROKER_URL
    broker = redis.Redis.from_url(TEST_BROKER_URL)
    broker.delete("send", "timers")
    broker.rpush("send", b"a", b"b")
    broker.rpush("send\x06\x163", b"c")  # a priority's own list
    try:
        samples = scrape()
    finally:
        broker.delete("send", "send\x06\x163")

    assert value(samples, "cc_celery_queue_length", queue="send") == 3
    assert value(samples, "cc_celery_queue_length", queue="timers") == 0
    assert {"default", "ingest", "send", "timers", "sandbox"} <= {
        dict(labels)["queue"] for name, labels in samples if name == "cc_celery_queue_length"
    }


def test_send_outcomes_are_counted_once_committed(
    metrics_on,
    tenant_a,
    bob,
    fake_graph,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reply = queue_reply(tenant_a, bob)
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        sending.deliver(reply.pk)

    reply.refresh_from_db()
    assert reply.status == MessageStatus.ACCEPTED
    assert value(scrape(), "cc_message_sends_total", status="accepted") == 1 + value(
        before, "cc_message_sends_total", status="accepted"
    )


def test_a_send_retried_later_is_counted_as_queued(
    metrics_on, tenant_a, bob, django_capture_on_commit_callbacks
):
    reply = queue_reply(tenant_a, bob)  # the tests' Graph API refuses connections
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        sending.deliver(reply.pk)

    assert value(scrape(), "cc_message_sends_total", status="queued") == 1 + value(
        before, "cc_message_sends_total", status="queued"
    )


def test_routing_one_conversation_is_timed(metrics_on, tenant_a):
    QueueFactory(tenant=tenant_a, is_default=True)
    conversation = ConversationFactory(tenant=tenant_a, channel=ChannelFactory(tenant=tenant_a))
    before = value(scrape(), "cc_routing_seconds_count")

    assert route_conversation(tenant_a, conversation=conversation) is not None

    assert value(scrape(), "cc_routing_seconds_count") == before + 1


@pytest.mark.django_db(transaction=True)
async def test_open_websockets_are_counted_until_they_close(metrics_on, bob):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(lambda: session_cookie(signed_in_client(bob)))()
    before = value(await sync_to_async(scrape)(), "cc_websocket_connections")

    first, second = await opened(cookie), await opened(cookie)
    refused, _ = await communicator(None).connect()  # anonymous: closed before its accept
    while_open = value(await sync_to_async(scrape)(), "cc_websocket_connections")
    await first.disconnect()
    await second.disconnect()
    after = value(await sync_to_async(scrape)(), "cc_websocket_connections")

    assert not refused
    assert (while_open, after) == (before + 2, before)
