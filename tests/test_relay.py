"""The relay: accepted work whose broker message was lost is done anyway, once.

Each test stores its work as the product does but drops the wake-up queued after commit (the
broker lost it), then runs the sweep with tasks executed in this process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter import relay
from contactcenter.celery import app as celery_app
from inbox.channels.whatsapp.signature import sign
from inbox.models import (
    Conversation,
    ConversationEvent,
    DeliveryState,
    EventType,
    Media,
    MediaState,
    Message,
    MessageStatus,
    WebhookDelivery,
)
from inbox.services import ingest, media
from inbox.services.webhooks import accept_delivery
from routing.models import QueueEntry
from tests.factories import ChannelFactory, ConversationFactory
from tests.fake_graph import MEDIA_BYTES, fake_graph  # noqa: F401 F811 - fixture
from tests.inbox.fixtures import PHONE_NUMBER_ID, load, wire
from tests.inbox.test_deliver import queue_reply

SECRET = "app-secret-of-acme"


@pytest.fixture
def channel(tenant_a, fake_graph):  # noqa: F811
    return ChannelFactory(tenant=tenant_a, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)


@pytest.fixture
def run_tasks_here():
    """Tasks queued by the sweep run at once in this process (inside the test's transaction)."""
    was = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = was


def accepted_with_its_wake_up_lost(captured, payload: dict) -> WebhookDelivery:
    raw = wire(payload)
    with captured(execute=False):  # the wake-up queued after commit never reaches a worker
        assert accept_delivery(raw, sign(raw, SECRET)).status == 200
    return WebhookDelivery.objects.get()


def sweep_later(captured, *, after: timedelta | None = None) -> dict[str, int]:
    with captured(execute=True):
        return relay.sweep(now=timezone.now() + (after or relay.redrive_after()))


def test_a_delivery_whose_wake_up_was_lost_is_processed_once_by_the_sweep(
    channel, run_tasks_here, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    delivery = accepted_with_its_wake_up_lost(captured, load("text"))
    # Fresh, its message may still be on its way: left alone.
    assert relay.sweep(now=timezone.now())["deliveries"] == 0

    assert sweep_later(captured)["deliveries"] == 1

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PROCESSED
    assert ingest.process_delivery(delivery.pk) is False  # the lost message turning up late
    assert Message.objects.filter(tenant=channel.tenant).count() == 1
    assert sweep_later(captured, after=timedelta(hours=1))["deliveries"] == 0


def test_a_delivery_that_fails_as_a_whole_is_retried_later_then_parked(db):
    delivery = WebhookDelivery.objects.create(body=b"{not json", signature="sha256=x")

    assert ingest.process_delivery(delivery.pk) is False

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() and "JSONDecodeError" in delivery.error
    for _ in range(ingest.MAX_DELIVERY_ATTEMPTS - 1):
        ingest.process_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED  # parked for operators: no crash loop


def test_a_reply_whose_wake_up_was_lost_is_sent_once_by_the_sweep(
    tenant_a,
    bob,
    fake_graph,  # noqa: F811
    run_tasks_here,
    django_capture_on_commit_callbacks,
):
    captured = django_capture_on_commit_callbacks
    with captured(execute=False):
        reply = queue_reply(tenant_a, bob)

    assert sweep_later(captured)["sends"] == 1

    reply.refresh_from_db()
    assert reply.status == MessageStatus.ACCEPTED and reply.wamid
    assert sweep_later(captured, after=timedelta(hours=1))["sends"] == 0
    assert fake_graph.sends_by_tag()[f"{ingest.CALLBACK_TAG_PREFIX}{reply.pk}"] == 1


def test_a_conversation_whose_routing_wake_up_was_lost_is_routed_by_the_sweep(
    channel, run_tasks_here, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    delivery = accepted_with_its_wake_up_lost(captured, load("text"))
    with captured(execute=False):  # processed, but routing's wake-up is lost
        assert ingest.process_delivery(delivery.pk) is True
    conversation = Conversation.objects.get(tenant=channel.tenant)
    assert conversation.routing_due_at and not QueueEntry.objects.filter(conversation=conversation)

    assert sweep_later(captured)["routing"] == 1

    conversation.refresh_from_db()
    assert conversation.routing_due_at is None
    assert QueueEntry.objects.filter(conversation=conversation).count() == 1
    assert sweep_later(captured, after=timedelta(hours=1))["routing"] == 0


def test_media_whose_wake_up_was_lost_is_fetched_once_by_the_sweep(
    channel,
    fake_graph,  # noqa: F811
    run_tasks_here,
    django_capture_on_commit_callbacks,
):
    captured = django_capture_on_commit_callbacks
    delivery = accepted_with_its_wake_up_lost(captured, load("image"))
    with captured(execute=False):  # stored, but the download's wake-up is lost
        assert ingest.process_delivery(delivery.pk) is True
    file = Media.objects.get(tenant=channel.tenant)
    assert file.state == MediaState.PENDING

    assert sweep_later(captured)["media"] == 1

    file.refresh_from_db()
    assert file.state == MediaState.READY and file.file.read() == MEDIA_BYTES
    media.download_inbound_media(file.pk)  # the lost wake-up turning up late
    ready = ConversationEvent.objects.filter(tenant=channel.tenant, type=EventType.MEDIA_READY)
    assert ready.count() == 1


def test_a_failed_download_is_retried_at_the_time_stored_in_its_row(
    settings,
    channel,
    fake_graph,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    captured = django_capture_on_commit_callbacks
    delivery = accepted_with_its_wake_up_lost(captured, load("image"))
    with captured(execute=False):
        ingest.process_delivery(delivery.pk)
    file = Media.objects.get(tenant=channel.tenant)
    settings.GRAPH_API_BASE = "http://127.0.0.1:9/graph"  # Meta unreachable for a moment

    media.download_inbound_media(file.pk)

    file.refresh_from_db()
    assert file.state == MediaState.PENDING and file.attempts == 1
    assert timezone.now() < file.next_attempt_at < timezone.now() + timedelta(seconds=3)
    assert relay.sweep(now=file.next_attempt_at)["media"] == 1  # the relay wakes it then
    for _ in range(media.MAX_DOWNLOAD_ATTEMPTS):
        media.download_inbound_media(file.pk)
    file.refresh_from_db()
    assert file.state == MediaState.FAILED and file.error


def test_a_delivery_its_task_keeps_dying_on_is_woken_less_and_less_often(db):
    """Killed every time (its worker at the hard time limit, say): no crash loop."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        body=b"{}", received_at=now - timedelta(minutes=4), next_attempt_at=now
    )

    assert relay.sweep(now=now)["deliveries"] == 1

    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(minutes=4)  # as late as it is old
    assert relay.sweep(now=now + timedelta(minutes=3))["deliveries"] == 0
    old = WebhookDelivery.objects.filter(pk=delivery.pk)
    old.update(received_at=now - timedelta(days=1), next_attempt_at=now)
    relay.sweep(now=now)
    assert old.get().next_attempt_at == now + relay.MAX_REDRIVE_INTERVAL


def test_a_file_whose_downloads_all_died_midway_fails_instead_of_looping(channel):
    message = Message.objects.create(
        tenant=channel.tenant,
        conversation=ConversationFactory(tenant=channel.tenant, channel=channel),
        channel=channel,
        direction="in",
        kind="image",
        wamid="wamid.photo",
    )
    now = timezone.now()
    file = Media.objects.create(
        tenant=channel.tenant,
        message=message,
        graph_media_id="4490709327384033",
        attempts=media.MAX_DOWNLOAD_ATTEMPTS,  # each claimed, none came back
        next_attempt_at=now,
    )

    relay.sweep(now=now)

    file.refresh_from_db()
    assert file.state == MediaState.FAILED and "send it again" in file.error


@pytest.fixture
def broker_down():
    """Redis is unreachable (restarting, say) when the wake-ups are published: the app's
    connection pools are set aside (as Celery does after a fork) and put back after."""
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved


def test_a_delivery_is_answered_200_while_redis_is_down_and_left_to_the_relay(
    channel, broker_down, django_capture_on_commit_callbacks
):
    raw = wire(load("text"))

    with django_capture_on_commit_callbacks(execute=True):
        answer = accept_delivery(raw, sign(raw, SECRET))

    assert answer.status == 200  # stored: Meta must not be told to retry it
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING
