"""The only two ways to cause side effects from a service: both wait for the commit.

Nothing else calls `.delay()` or `group_send` (Zulip names the immediate sender
`send_event_rollback_unsafe` for the same reason).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def send_event_rollback_unsafe(groups: list[str], event: dict) -> None:
    """Pushes now; a push must never break the caller, whose data is already committed."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "hub.event", "event": event}

    async def send_all():
        # One hop into the event loop for all groups: each async_to_sync costs a thread switch.
        for group in groups:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except Exception:  # noqa: BLE001 - the browser catches up from the event log on reconnect
        logger.exception("realtime push failed for %s", groups)


def publish_on_commit(groups: list[str], event: dict, *, log_event_id: int | None = None) -> None:
    """Pushes after commit. An event of the log gets its `seq`, which the database assigns at
    commit (the realtime cursor), read back just before sending."""

    def send():
        if log_event_id is not None:
            event["seq"] = committed_seq(log_event_id)
        send_event_rollback_unsafe(groups, event)

    transaction.on_commit(send)


def committed_seq(event_id: int) -> int | None:
    from inbox.models import ConversationEvent

    return ConversationEvent.objects.filter(pk=event_id).values_list("seq", flat=True).first()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queues a Celery task once the rows it will read are committed."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


def revoke_on_commit(groups: list[str]) -> None:
    """Closes the sockets in these groups once the change that revoked them is committed."""

    def send():
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            for group in groups:
                async_to_sync(layer.group_send)(group, {"type": "hub.revoke"})
        except Exception:  # noqa: BLE001 - the socket's next reconnect is refused anyway
            logger.exception("realtime revoke failed for %s", groups)

    transaction.on_commit(send)
