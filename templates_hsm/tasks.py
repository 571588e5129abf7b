from celery import shared_task

from inbox.channels.whatsapp.errors import GraphError
from inbox.selectors import active_channels

from . import services


@shared_task(name="templates_hsm.sync_all")
def sync_all() -> int:
    """Periodic: every active number's templates (a refused number is skipped, not fatal)."""
    synced = 0
    for channel in active_channels():
        try:
            synced += services.sync_templates(channel)
        except GraphError:
            continue
    return synced
