from celery import shared_task

from . import idempotency


@shared_task(name="accounts.sweep_idempotent_requests")
def sweep_idempotent_requests() -> int:
    return idempotency.sweep_idempotent_requests()
