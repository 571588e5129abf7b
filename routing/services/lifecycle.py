"""Deadlines swept by beat (queue overflow and maximum wait, snoozes ending) and routing's
receivers of the inbox's hooks (inbox/hooks.py, registered in apps.py)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from contactcenter.realtime.publish import enqueue_named_on_commit
from inbox.models import Conversation, ConversationState, EventType
from inbox.services.events import record_event
from routing.models import ACTIVE_ENTRY_STATES, EntryState, MaxWaitAction, Offer, QueueEntry
from routing.services.common import (
    deadlines,
    default_queue,
    enqueue_entry,
    kick_assignment,
    release_entries,
    touch_idle_since,
    withdraw_offers,
)


def route_after_commit(conversation: Conversation) -> None:
    """A customer's message opened, reopened or brought back the conversation: it is routed
    once the message is committed, so rules and language detection can read its text. Should
    the wake-up be lost, the relay routes it (routing_due_at, set by the inbox). By name:
    routing.tasks imports this module."""
    enqueue_named_on_commit("routing.route_conversation", conversation.pk)


def on_conversation_resolved(conversation: Conversation, *, now: datetime | None = None) -> None:
    """Call inside the transaction that resolves the conversation (it holds its lock).

    Ends its wait (a waiting or offered entry is abandoned, pending offers withdrawn), frees
    the agent's slot for the sticky-agent window, and runs the engine after commit.
    """
    now = now or timezone.now()
    withdraw_offers(
        Offer.objects.filter(tenant_id=conversation.tenant_id, conversation=conversation),
        now=now,
        reason="resolved",
    )
    QueueEntry.objects.filter(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        state__in=ACTIVE_ENTRY_STATES,
    ).update(state=EntryState.ABANDONED, left_at=now)
    release_entries(conversation, now=now)
    if conversation.assignee_id:
        touch_idle_since(conversation.tenant_id, [conversation.assignee_id], now)
    kick_assignment(conversation.tenant_id)


@transaction.atomic(durable=True)
def apply_queue_deadlines(*, now: datetime | None = None, limit: int = 500) -> set[int]:
    """Sweep: waiting entries past their overflow deadline relax their skills (first step) or
    move to the overflow queue; past the maximum wait they keep waiting, ask for a message, or
    close. Idempotent: each deadline is cleared or moved when applied.

    Returns the ids of the tenants whose waiting work changed.
    """
    now = now or timezone.now()
    tenants = set()
    overflowing = (
        QueueEntry.objects.filter(state=EntryState.WAITING, overflow_at__lte=now)
        .select_related("queue__overflow_queue", "conversation")
        .select_for_update(skip_locked=True, of=("self", "conversation"))
        .order_by("overflow_at", "pk")[:limit]
    )
    for entry in overflowing:
        _overflow(entry, now)
        tenants.add(entry.tenant_id)
    expiring = (
        QueueEntry.objects.filter(state=EntryState.WAITING, max_wait_at__lte=now)
        .select_related("queue", "conversation")
        .select_for_update(skip_locked=True, of=("self", "conversation"))
        .order_by("max_wait_at", "pk")[:limit]
    )
    for entry in expiring:
        _max_wait(entry, now)
        tenants.add(entry.tenant_id)
    return tenants


def _overflow(entry: QueueEntry, now: datetime) -> None:
    queue = entry.queue
    if queue.relaxed_min_proficiency and entry.min_proficiency_override is None:
        entry.min_proficiency_override = queue.relaxed_min_proficiency
        # With an overflow queue too, the move is the next step, one more period later.
        entry.overflow_at = (
            now + timedelta(seconds=queue.overflow_after_s) if queue.overflow_queue_id else None
        )
        entry.save(update_fields=["min_proficiency_override", "overflow_at"])
        record_event(
            entry.conversation,
            EventType.QUEUED,
            data={
                "queue": queue.pk,
                "entry": entry.pk,
                "reason": "relaxed",
                "min_proficiency": queue.relaxed_min_proficiency,
            },
            at=now,
        )
        return
    target = queue.overflow_queue
    if target is None:
        entry.overflow_at = None
        entry.save(update_fields=["overflow_at"])
        return
    entry.queue = target
    entry.min_proficiency_override = None
    entry.overflow_at = deadlines(target, now)["overflow_at"]
    entry.save(update_fields=["queue", "min_proficiency_override", "overflow_at"])
    record_event(
        entry.conversation,
        EventType.TRANSFERRED,
        data={"kind": "overflow", "from_queue": queue.pk, "to_queue": target.pk, "entry": entry.pk},
        at=now,
    )
    record_event(
        entry.conversation,
        EventType.QUEUED,
        data={
            "queue": target.pk,
            "queue_name": target.name,
            "entry": entry.pk,
            "reason": "overflow",
        },
        at=now,
    )


def _max_wait(entry: QueueEntry, now: datetime) -> None:
    queue = entry.queue
    conversation = entry.conversation
    entry.max_wait_at = None
    record_event(
        conversation,
        EventType.SLA_BREACHED,
        data={
            "sla": "max_wait",
            "queue": queue.pk,
            "entry": entry.pk,
            "wait_s": round((now - entry.entered_at).total_seconds(), 3),
            "action": queue.max_wait_action,
        },
        at=now,
    )
    if queue.max_wait_action != MaxWaitAction.CLOSE:
        # "message": the inbox/bot sends its out-of-time text on this event; we keep waiting.
        entry.save(update_fields=["max_wait_at"])
        return
    entry.state, entry.left_at = EntryState.ABANDONED, now
    entry.save(update_fields=["max_wait_at", "state", "left_at"])
    conversation.state, conversation.resolved_at = ConversationState.RESOLVED, now
    conversation.save(update_fields=["state", "resolved_at"])
    record_event(conversation, EventType.RESOLVED, data={"reason": "max_wait"}, at=now)


@transaction.atomic(durable=True)
def wake_snoozed_conversations(*, now: datetime | None = None, limit: int = 500) -> int:
    """Sweep: snoozed conversations whose time has come go back to their agent, or, held by
    nobody, to the queue they last waited in. Exactly once: each is claimed with SKIP LOCKED
    (a parallel sweep takes others) and leaves the snoozed state as it is woken (the claim's
    condition is checked again under the lock, so a customer's message that woke it first
    leaves nothing to do). Returns how many woke."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.filter(state=ConversationState.SNOOZED, snoozed_until__lte=now)
        .select_for_update(skip_locked=True)
        .order_by("snoozed_until", "pk")[:limit]
    )
    for conversation in due:
        _wake(conversation, now)
    return len(due)


def _wake(conversation: Conversation, now: datetime) -> None:
    data = {"snoozed_until": conversation.snoozed_until.isoformat()}
    conversation.snoozed_until = None
    if conversation.assignee_id:
        conversation.state = ConversationState.ASSIGNED
        conversation.save(update_fields=["state", "snoozed_until"])
    else:
        conversation.save(update_fields=["snoozed_until"])
        last = (
            QueueEntry.objects.filter(tenant_id=conversation.tenant_id, conversation=conversation)
            .select_related("queue")
            .order_by("-entered_at", "-pk")
            .first()
        )
        queue = last.queue if last else default_queue(conversation.tenant)
        enqueue_entry(conversation, queue, now=now, reason="snooze_ended")
        kick_assignment(conversation.tenant_id)
    record_event(conversation, EventType.SNOOZE_ENDED, data=data, at=now)
