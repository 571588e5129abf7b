"""Celery entry points of the inbox: thin, idempotent, ids in, services do the work.

Each is a wake-up for a row in PostgreSQL: retries are scheduled in the row and the relay wakes
them (contactcenter/relay.py), never as Celery countdowns.
"""

from celery import shared_task

from inbox.services import ingest, media, retention, sending


@shared_task(name="inbox.process_webhook", acks_late=True)
def process_webhook(delivery_id: int) -> bool:
    return ingest.process_delivery(delivery_id)


@shared_task(name="inbox.deliver_message", acks_late=True)
def deliver_message(message_id: int) -> None:
    sending.deliver(message_id)


@shared_task(name="inbox.download_media", acks_late=True)
def download_media(media_id: int) -> None:
    media.download_inbound_media(media_id)


@shared_task(name="inbox.sweep_early_statuses")
def sweep_early_statuses() -> int:
    return ingest.sweep_early_statuses()


@shared_task(name="inbox.sweep_webhook_retention")
def sweep_webhook_retention() -> int:
    return retention.sweep_webhook_retention()


@shared_task(name="inbox.send_read_receipt", acks_late=True)
def send_read_receipt(message_id: int) -> None:
    sending.send_read_receipt(message_id)
