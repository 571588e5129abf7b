"""The relay: accepted work lives in PostgreSQL; a Celery message only wakes it.

Every row of accepted work (a webhook delivery, a queued reply, a conversation to route, a
file to fetch) carries the time it is due to be woken (`next_attempt_at` or the like). The
row is stored with that time a little ahead (`first_wakeup_at`) and its task is queued after
commit, so normally the task finishes it long before. If the broker lost the message (Redis
flushed or restarted, a crash between commit and publish, a worker killed without its ack),
the row is still there when its time comes, and `sweep` wakes its task again. Failures that
can succeed later schedule their retry the same way: the failure path moves the row's time
on, and the sweep wakes it then (never a Celery countdown, which lives only in Redis).

A wake-up is only a hint: each task claims its row by state (a conditional UPDATE or a
SKIP LOCKED lock), so a wake-up that arrives twice, or for work already done, does nothing.

Apps register their kinds of work here (the foundation never imports an app):
`register("deliveries", redrive)` from their AppConfig.ready().
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, QuerySet, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from contactcenter.realtime.publish import enqueue_on_commit

logger = logging.getLogger(__name__)

# Rows woken by one kind in one sweep: the rest wait for the next sweep (a few seconds).
BATCH = 500
# The longest a row waits between two wake-ups it did not finish (see `wake_due`).
MAX_REDRIVE_INTERVAL = timedelta(minutes=10)

_kinds: dict[str, Callable[[datetime], int]] = {}


def register(name: str, redrive: Callable[[datetime], int]) -> None:
    """`redrive(now)` wakes (or settles) that kind's rows that are due; returns how many."""
    _kinds[name] = redrive


def redrive_after() -> timedelta:
    """How long a row's first wake-up is given before the relay sends another."""
    return timedelta(seconds=settings.RELAY_REDRIVE_AFTER_S)


def due_by(now: datetime) -> datetime:
    """A task does a row whose time is before this. The relay moves a row's time one
    `redrive_after` on when it wakes it, so twice that is due (with room for the clocks of two
    machines to differ); only a retry scheduled further out is kept from a stale wake-up."""
    return now + 2 * redrive_after()


def first_wakeup_at() -> datetime:
    """The due time of a row stored now whose task is queued after commit."""
    return timezone.now() + redrive_after()


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Beat, every few seconds: each kind's due rows woken; one failing kind stops no other."""
    now = now or timezone.now()
    woken = {}
    for name, redrive in _kinds.items():
        try:
            woken[name] = redrive(now)
        except Exception:  # noqa: BLE001 - the next sweep tries again; the others go on
            logger.exception("relay: re-driving %s failed", name)
    return woken


def wake_due(
    rows: QuerySet,
    *,
    task,
    now: datetime,
    field: str = "next_attempt_at",
    backoff_from: str | None = None,
) -> int:
    """Claims up to BATCH rows of `rows` whose `field` has come (oldest first, SKIP LOCKED, so
    two sweeps never take the same row), moves it on, and queues `task` with each row's id
    after commit. The caller's queryset says which states are work.

    The row is next woken `redrive_after` later; with `backoff_from` (the row's creation time)
    as late as it is old, up to MAX_REDRIVE_INTERVAL: wake-ups at R, 2R, 4R..., so a row its
    task dies on every time (killed at the hard time limit, say) is no crash loop. Only for rows
    whose task does not check `field` itself (see `due_by`)."""
    with transaction.atomic():
        ids = list(
            rows.filter(**{f"{field}__lte": now})
            .order_by(field)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:BATCH]
        )
        if ids:
            rows.model.objects.filter(pk__in=ids).update(**{field: _next_wakeup(now, backoff_from)})
        for pk in ids:
            enqueue_on_commit(task, pk)
    if ids:
        logger.info("relay: woke %s due %s rows", len(ids), rows.model.__name__)
    return len(ids)


def _next_wakeup(now: datetime, backoff_from: str | None):
    if backoff_from is None:
        return now + redrive_after()
    age = ExpressionWrapper(Value(now) - F(backoff_from), output_field=DurationField())
    wait = Greatest(Value(redrive_after()), Least(age, Value(MAX_REDRIVE_INTERVAL)))
    return ExpressionWrapper(Value(now) + wait, output_field=DateTimeField())
