"""Celery entry points of the foundation."""

from celery import shared_task

from contactcenter import relay


@shared_task(name="relay.sweep")
def relay_sweep() -> dict[str, int]:
    return relay.sweep()
