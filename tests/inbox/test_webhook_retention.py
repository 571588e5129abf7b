"""Raw webhook bodies carry customers' personal data: each kind is forgotten after its retention
(processed deliveries, dead letters, orphans), by a task that beat runs hourly; accepted work
still waiting is never swept."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from inbox.models import DeadLetter, DeliveryState, WebhookDelivery
from inbox.services.retention import sweep_webhook_retention
from inbox.tasks import sweep_webhook_retention as sweep_task

NOW = timezone.now()


@pytest.fixture(autouse=True)
def retention(settings):
    settings.WEBHOOK_PROCESSED_RETENTION_DAYS = 14
    settings.WEBHOOK_DEAD_LETTER_RETENTION_DAYS = 30
    settings.WEBHOOK_ORPHAN_RETENTION_DAYS = 1


def delivery(state: str, age: timedelta) -> WebhookDelivery:
    at = NOW - age
    return WebhookDelivery.objects.create(
        body=b'{"entry": [{"changes": [{"value": {"contacts": [{"wa_id": "16505550123"}]}}]}]}',
        state=state,
        received_at=at,
        processed_at=at if state == DeliveryState.PROCESSED else None,
    )


def dead_letter(of: WebhookDelivery, age: timedelta) -> DeadLetter:
    return DeadLetter.objects.create(
        delivery=of, path="message wamid.X", reason="bad", created_at=NOW - age
    )


def kept() -> set[int]:
    return set(WebhookDelivery.objects.values_list("pk", flat=True))


def test_processed_bodies_go_after_their_retention(db):
    old = delivery(DeliveryState.PROCESSED, timedelta(days=15))
    recent = delivery(DeliveryState.PROCESSED, timedelta(days=13))

    sweep_webhook_retention(now=NOW)

    assert kept() == {recent.pk}
    assert old.pk not in kept()


def test_orphans_go_after_a_day(db):
    delivery(DeliveryState.ORPHAN, timedelta(hours=25))
    recent = delivery(DeliveryState.ORPHAN, timedelta(hours=23))

    sweep_webhook_retention(now=NOW)

    assert kept() == {recent.pk}


def test_dead_letters_keep_their_delivery_until_they_go_themselves(db):
    processed = delivery(DeliveryState.PROCESSED, timedelta(days=20))
    parked = dead_letter(processed, timedelta(days=20))
    expired = delivery(DeliveryState.PROCESSED, timedelta(days=40))
    dead_letter(expired, timedelta(days=31))

    sweep_webhook_retention(now=NOW)

    assert kept() == {processed.pk}
    assert list(DeadLetter.objects.values_list("pk", flat=True)) == [parked.pk]


def test_failed_deliveries_are_dead_letters_too(db):
    delivery(DeliveryState.FAILED, timedelta(days=31))
    recent = delivery(DeliveryState.FAILED, timedelta(days=20))

    sweep_webhook_retention(now=NOW)

    assert kept() == {recent.pk}


def test_pending_deliveries_are_never_swept(db):
    waiting = delivery(DeliveryState.PENDING, timedelta(days=365))

    sweep_webhook_retention(now=NOW)

    assert kept() == {waiting.pk}


def test_a_large_backlog_is_swept_in_one_run(db):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(body=b"{}", state=DeliveryState.ORPHAN, received_at=NOW - timedelta(days=2))
        for _ in range(2500)
    )

    assert sweep_webhook_retention(now=NOW) == 2500
    assert not WebhookDelivery.objects.exists()


def test_beat_runs_the_sweep_hourly(db):
    schedule = {e["task"]: e["schedule"] for e in django_settings.CELERY_BEAT_SCHEDULE.values()}
    delivery(DeliveryState.ORPHAN, timedelta(days=2))

    assert schedule["inbox.sweep_webhook_retention"] == 3600.0
    assert sweep_task() == 1
