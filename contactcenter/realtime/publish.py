"""The only two ways to cause side effects from a service: both wait for the commit.

Nothing else calls `.delay()` or `group_send` (Zulip names the immediate sender
`send_event_rollback_unsafe` for the same reason).
"""

import asyncio
import logging
import os
import threading
from collections.abc import Callable

from channels.layers import get_channel_layer
from django.db import connection, transaction

from contactcenter.celery import app as celery_app

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_S = 5


class _PushLoop:
    """One event loop per process, in its own daemon thread, that every push is handed to.
    `async_to_sync` would start a thread, an event loop and a new Redis connection for each
    transaction (~5 ms of CPU); this loop keeps the channel layer's connections for the life
    of the process. A forked child (Celery prefork) starts its own on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, coroutine) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._current())
        try:
            future.result(PUSH_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            raise

    def _current(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self._loop.run_forever, name="realtime-push", daemon=True
                ).start()
                self._pid = os.getpid()
            return self._loop


_push_loop = _PushLoop()

# The event log lives above this module (inbox); the inbox registers, from its AppConfig.ready(),
# how to read the `seq` its rows got at commit, so the foundation imports no app.
SeqReader = Callable[[list[int]], dict[int, int]]
_read_seqs: SeqReader | None = None


def register_seq_reader(reader: SeqReader) -> None:
    """`reader(log_event_ids)` answers {id: seq} for the committed ones (a rolled-back event
    has no row, hence no entry)."""
    global _read_seqs
    _read_seqs = reader


def send_event_rollback_unsafe(groups: list[str], event: dict) -> None:
    """Pushes now; a push must never break the caller, whose data is already committed."""
    send_events_rollback_unsafe([(groups, event)])


def send_events_rollback_unsafe(pushes: list[tuple[list[str], dict]]) -> None:
    """Pushes several events to their groups in one hop into the process's push loop. Each
    group gets one message carrying its events in order (a send costs Redis round trips per
    group, whatever it carries)."""
    by_group: dict[str, list[dict]] = {}
    for groups, event in pushes:
        for group in groups:
            by_group.setdefault(group, []).append(event)
    try:
        _group_send(
            [
                ([group], {"type": "hub.events", "events": events})
                for group, events in by_group.items()
            ]
        )
    except Exception:  # noqa: BLE001 - the browser catches up from the event log on reconnect
        logger.exception("realtime push failed for %s", [groups for groups, _ in pushes])


def _group_send(messages: list[tuple[list[str], dict]]) -> None:
    """Sends each message to its groups, all in one hop into the push loop."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        for groups, message in messages:
            for group in groups:
                await layer.group_send(group, message)

    _push_loop.run(send_all())


class _CommitBatch:
    """The log events published in one transaction. Their `seq` exists only after commit (the
    deferred trigger assigns it), so the first of their callbacks to run reads every seq in one
    query and pushes every event that committed, in one hop; the others find nothing left.

    An event in the log is the truth the browsers catch up from, so pushing each committed one
    is right even when the savepoint that published it rolled back; a rolled-back event has no
    row and is never pushed."""

    def __init__(self) -> None:
        self.pushes: list[tuple[list[str], dict, int]] = []
        self.sent = False

    def add(self, groups: list[str], event: dict, log_event_id: int) -> None:
        self.pushes.append((groups, event, log_event_id))

    def send_committed(self) -> None:
        if self.sent:
            return
        self.sent = True
        if _read_seqs is None:
            raise RuntimeError("No event log registered its seq reader (inbox/apps.py).")
        seqs = _read_seqs([log_event_id for _, _, log_event_id in self.pushes])
        committed = []
        for groups, event, log_event_id in self.pushes:
            if seqs.get(log_event_id) is not None:
                event["seq"] = seqs[log_event_id]
                committed.append((groups, event))
        send_events_rollback_unsafe(committed)


class _Push:
    """One on_commit callback per publish, so a rolled-back savepoint drops its plain pushes
    (log events are checked against the log instead: see _CommitBatch)."""

    def __init__(self, batch: _CommitBatch, groups: list[str], event: dict, logged: bool):
        self.batch, self.groups, self.event, self.logged = batch, groups, event, logged

    def __call__(self) -> None:
        if self.logged:
            self.batch.send_committed()
        else:
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
    the transaction published, and one hop pushes them all."""
    batch = _current_batch()
    if log_event_id is not None:
        batch.add(list(groups), event, log_event_id)
    transaction.on_commit(_Push(batch, list(groups), event, log_event_id is not None))


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queues a Celery task once the rows it will read are committed.

    Only a wake-up: should the broker be unreachable, the failure is logged and the caller
    carries on (its rows are committed; the relay wakes them, contactcenter/relay.py)."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs), robust=True)


def enqueue_named_on_commit(name: str, *args) -> None:
    """`enqueue_on_commit` for a task known by its registered name: a service whose own app's
    tasks module imports it (a circle) queues that app's tasks this way.

    The name is what CELERY_TASK_ROUTES routes by. A registered task is applied as itself (its
    options; run in place when tasks are eager), else the message is sent by name."""
    transaction.on_commit(lambda: celery_app.signature(name, args=args).apply_async(), robust=True)


def revoke_on_commit(groups: list[str], *, signed_out: bool = False) -> None:
    """Closes the sockets in these groups once the change that revoked them is committed
    (`signed_out`: their session ended, rather than their access changed)."""

    def send():
        try:
            _group_send([(groups, {"type": "hub.revoke", "signed_out": signed_out})])
        except Exception:  # noqa: BLE001 - the socket's next reconnect is refused anyway
            logger.exception("realtime revoke failed for %s", groups)

    transaction.on_commit(send)
