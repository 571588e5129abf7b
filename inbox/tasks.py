"""Celery entry points of the inbox: thin, idempotent, ids in, services do the work."""

from celery import shared_task

from inbox.services import ingest, media, retention, sending


@shared_task(name="inbox.process_webhook", acks_late=True)
def process_webhook(delivery_id: int) -> bool:
    return ingest.process_delivery(delivery_id)


@shared_task(name="inbox.deliver_message", bind=True, acks_late=True, max_retries=None)
def deliver_message(self, message_id: int) -> None:
    outcome = sending.deliver(message_id)
    if outcome.retry_after_s is not None:
        raise self.retry(countdown=outcome.retry_after_s)


@shared_task(name="inbox.download_media", bind=True, acks_late=True, max_retries=5)
def download_media(self, media_id: int) -> None:
    outcome = media.download_inbound_media(media_id, attempt=self.request.retries)
    if outcome.retry_after_s is not None:
        raise self.retry(countdown=outcome.retry_after_s)


@shared_task(name="inbox.fail_stuck_sends")
def fail_stuck_sends() -> int:
    return sending.fail_stuck_sends()


@shared_task(name="inbox.sweep_early_statuses")
def sweep_early_statuses() -> int:
    return ingest.sweep_early_statuses()


@shared_task(name="inbox.sweep_webhook_retention")
def sweep_webhook_retention() -> int:
    return retention.sweep_webhook_retention()


@shared_task(name="inbox.send_read_receipt", bind=True, acks_late=True, max_retries=3)
def send_read_receipt(self, message_id: int) -> None:
    outcome = sending.send_read_receipt(message_id)
    if outcome.retry_after_s is not None:
        raise self.retry(countdown=outcome.retry_after_s)
