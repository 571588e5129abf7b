"""Helpers composed by the public services (never transactions of their own)."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction

from contactcenter.accounts.models import Tenant
from inbox.models import Conversation, ConversationState, EventType
from inbox.services.events import record_event
from routing.models import (
    ACTIVE_ENTRY_STATES,
    AgentProfile,
    EntryState,
    OfferState,
    Queue,
    QueueEntry,
)
from routing.services.hours import is_open

ASSIGN_QUEUED_TTL_S = 10


def assign_queued_key(tenant_id: int) -> str:
    return f"routing:assign-queued:{tenant_id}"


def kick_assignment(tenant_id: int) -> None:
    """Runs the assignment engine for the tenant once this transaction commits.

    Coalesced: while a run is queued and not started, more kicks add nothing, since that run
    serves everything waiting when it starts (the task clears the flag first, so a kick after
    that queues a new run and no wake-up is lost; the TTL and the beat sweep cover a crash).
    """
    transaction.on_commit(lambda: _queue_assignment(tenant_id))


def _queue_assignment(tenant_id: int) -> None:
    from routing.tasks import assign_waiting_task

    if cache.add(assign_queued_key(tenant_id), 1, timeout=ASSIGN_QUEUED_TTL_S):
        assign_waiting_task.apply_async(args=(tenant_id,))


def default_queue(tenant: Tenant) -> Queue:
    """The tenant's default queue; a tenant with none gets a "General" one on first use."""
    queue = Queue.objects.for_tenant(tenant).filter(is_default=True).first()
    if queue is None:
        queue, _ = Queue.objects.get_or_create(
            tenant=tenant, name="General", defaults={"is_default": True}
        )
    return queue


def deadlines(queue: Queue, now: datetime) -> dict:
    overflow = queue.overflow_after_s is not None and bool(
        queue.overflow_queue_id or queue.relaxed_min_proficiency
    )
    return {
        "overflow_at": now + timedelta(seconds=queue.overflow_after_s) if overflow else None,
        "max_wait_at": now + timedelta(seconds=queue.max_wait_s) if queue.max_wait_s else None,
    }


def enqueue_entry(
    conversation: Conversation,
    queue: Queue,
    *,
    now: datetime,
    priority: int | None = None,
    reason: str,
    actor=None,
    rule=None,
    labels: list[str] | tuple = (),
) -> QueueEntry:
    """Puts the (locked) conversation in the queue: a waiting entry, state queued, no assignee."""
    entry = QueueEntry.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        queue=queue,
        priority=queue.priority if priority is None else priority,
        entered_at=now,
        rule=rule,
        labels=list(labels),
        **deadlines(queue, now),
    )
    changed = []
    if conversation.state != ConversationState.QUEUED or conversation.assignee_id:
        conversation.state = ConversationState.QUEUED
        conversation.assignee = None
        changed += ["state", "assignee"]
    if _starts_sla_clock(conversation, queue):
        conversation.sla_due_at = conversation.opened_at + timedelta(
            seconds=queue.sla_first_response_s
        )
        changed.append("sla_due_at")
    if changed:
        conversation.save(update_fields=changed)
    data = {
        "queue": queue.pk,
        "queue_name": queue.name,
        "entry": entry.pk,
        "priority": entry.priority,
        "reason": reason,
    }
    if rule is not None:
        data["rule"] = rule.pk
    if queue.business_hours_id and not is_open(queue.business_hours, now):
        # Waits for opening time; an out-of-hours message is the bot's / inbox's business.
        data["business_hours"] = "closed"
    record_event(conversation, EventType.QUEUED, actor=actor, data=data, at=now)
    return entry


def _starts_sla_clock(conversation: Conversation, queue: Queue) -> bool:
    """The first queue with a target sets the due time; a transfer never resets the clock."""
    return bool(
        queue.sla_first_response_s
        and conversation.sla_due_at is None
        and conversation.first_response_at is None
    )


def active_entry(conversation: Conversation) -> QueueEntry | None:
    return (
        QueueEntry.objects.filter(
            tenant_id=conversation.tenant_id,
            conversation=conversation,
            state__in=ACTIVE_ENTRY_STATES,
        )
        .select_for_update()
        .first()
    )


def withdraw_offers(offers, *, now: datetime, reason: str) -> int:
    """Withdraws pending offers (locked by the caller or locked here); entries wait again."""
    count = 0
    for offer in offers.filter(state=OfferState.PENDING).select_related(
        "entry", "conversation", "agent"
    ):
        offer.state = OfferState.WITHDRAWN
        offer.responded_at = now
        offer.save(update_fields=["state", "responded_at"])
        if offer.entry.state == EntryState.OFFERED:
            offer.entry.state = EntryState.WAITING
            offer.entry.save(update_fields=["state"])
        record_event(
            offer.conversation,
            EventType.OFFER_EXPIRED,
            data={"offer": offer.pk, "agent": offer.agent.user_id, "reason": reason},
            at=now,
        )
        count += 1
    return count


def release_entries(conversation: Conversation, *, now: datetime) -> None:
    """The conversation's agent stops holding it (resolved, transferred away)."""
    QueueEntry.objects.filter(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        state=EntryState.ASSIGNED,
        released_at__isnull=True,
    ).update(released_at=now)


def touch_idle_since(tenant_id: int, user_ids: list[int], now: datetime) -> None:
    """Best effort, never waits: a profile locked by someone is skipped (ordering hint only)."""
    ids = list(
        AgentProfile.objects.filter(tenant_id=tenant_id, user_id__in=user_ids)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if ids:
        AgentProfile.objects.filter(pk__in=ids).update(idle_since=now)
