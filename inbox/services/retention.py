"""Forgetting raw webhook bodies: they carry customers' personal data (names, numbers, texts).

What a processed delivery said is in the inbox by then; its raw copy is only for diagnosis.
Pending deliveries are accepted work and are never swept here.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from inbox.models import DeadLetter, DeliveryState, WebhookDelivery

# Rows per DELETE, each its own transaction: a sweep after a long pause never holds one huge
# delete (and its locks) on the table the receiver inserts into.
BATCH = 1000


def sweep_webhook_retention(now: datetime | None = None) -> int:
    """Deletes the deliveries and dead letters past their retention; returns how many."""
    now = now or timezone.now()
    dead_letters_before = now - timedelta(days=settings.WEBHOOK_DEAD_LETTER_RETENTION_DAYS)
    deleted = _delete(DeadLetter.objects.filter(created_at__lt=dead_letters_before))
    # A delivery is kept while one of its dead letters is: it is that item's context.
    unreferenced = WebhookDelivery.objects.filter(
        ~Exists(DeadLetter.objects.filter(delivery=OuterRef("pk")))
    )
    deleted += _delete(
        unreferenced.filter(
            state=DeliveryState.PROCESSED,
            processed_at__lt=now - timedelta(days=settings.WEBHOOK_PROCESSED_RETENTION_DAYS),
        )
    )
    deleted += _delete(
        unreferenced.filter(state=DeliveryState.FAILED, received_at__lt=dead_letters_before)
    )
    deleted += _delete(
        WebhookDelivery.objects.filter(
            state=DeliveryState.ORPHAN,
            received_at__lt=now - timedelta(days=settings.WEBHOOK_ORPHAN_RETENTION_DAYS),
        )
    )
    return deleted


def _delete(rows: QuerySet) -> int:
    deleted = 0
    while ids := list(rows.values_list("pk", flat=True)[:BATCH]):
        deleted += rows.model.objects.filter(pk__in=ids).delete()[0]
    return deleted
