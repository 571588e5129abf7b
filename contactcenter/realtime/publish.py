"""The only two ways to cause side effects from a service: both wait for the commit.

Nothing else calls `.delay()` or `group_send` (Zulip names the immediate sender
`send_event_rollback_unsafe` for the same reason).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

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


class _CommitBatch:
    """The log events published in one transaction. Their `seq` exists only after commit (the
    deferred trigger assigns it): the first push to run reads them all in one query."""

    def __init__(self) -> None:
        self.log_event_ids: list[int] = []
        self.seqs: dict[int, int] | None = None

    def seq_of(self, event_id: int) -> int | None:
        if self.seqs is None:
            from inbox.models import ConversationEvent

            rows = ConversationEvent.objects.filter(pk__in=self.log_event_ids)
            self.seqs = dict(rows.values_list("pk", "seq"))
        return self.seqs.get(event_id)


class _Push:
    """One on_commit callback per publish, so a rolled-back savepoint drops exactly its pushes."""

    def __init__(self, batch: _CommitBatch, groups: list[str], event: dict, log_event_id):
        self.batch, self.groups, self.event, self.log_event_id = batch, groups, event, log_event_id

    def __call__(self) -> None:
        if self.log_event_id is not None:
            seq = self.batch.seq_of(self.log_event_id)
            if seq is None:  # not committed after all: nothing to tell anyone
                return
            self.event["seq"] = seq
        send_event_rollback_unsafe(self.groups, self.event)


def _current_batch() -> _CommitBatch:
    """The batch of the open transaction: still referenced by one of its pending callbacks."""
    batch = getattr(connection, "_hub_commit_batch", None)
    pending = connection.run_on_commit if connection.in_atomic_block else []
    if batch is None or not any(getattr(f, "batch", None) is batch for _, f, _ in pending):
        batch = _CommitBatch()
        connection._hub_commit_batch = batch
    return batch


def publish_on_commit(groups: list[str], event: dict, *, log_event_id: int | None = None) -> None:
    """Pushes after commit. An event of the log (`log_event_id`) gets its `seq`, which the
    database assigns at commit (the realtime cursor): one query reads the seqs of every event
    the transaction published, just before the first push."""
    batch = _current_batch()
    if log_event_id is not None:
        batch.log_event_ids.append(log_event_id)
    transaction.on_commit(_Push(batch, list(groups), event, log_event_id))


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queues a Celery task once the rows it will read are committed."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


def revoke_on_commit(groups: list[str]) -> None:
    """Closes the sockets in these groups once the change that revoked them is committed."""

    def send():
        layer = get_channel_layer()
        if layer is None:
            return

        async def send_all():
            for group in groups:
                await layer.group_send(group, {"type": "hub.revoke"})

        try:
            async_to_sync(send_all)()
        except Exception:  # noqa: BLE001 - the socket's next reconnect is refused anyway
            logger.exception("realtime revoke failed for %s", groups)

    transaction.on_commit(send)
