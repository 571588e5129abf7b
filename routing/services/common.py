"""Helpers composed by the public services (never transactions of their own)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import NotFound
from inbox.models import Conversation, ConversationState, EventType
from inbox.services.events import record_event
from routing.models import (
    ACTIVE_ENTRY_STATES,
    AgentProfile,
    EntryState,
    Offer,
    OfferState,
    Queue,
    QueueEntry,
)
from routing.services.hours import is_open

# Conversations that hold one of the agent's slots (snoozed ones too: they come back to them).
LOAD_STATES = [ConversationState.ASSIGNED, ConversationState.PENDING, ConversationState.SNOOZED]


@dataclass
class Load:
    total: int = 0
    by_kind: Counter = field(default_factory=Counter)

    def add(self, kind: str, n: int = 1) -> None:
        self.total += n
        self.by_kind[kind] += n


def has_room(agent: AgentProfile, load: Load, channel_kind: str) -> bool:
    return load.total < agent.max_total and load.by_kind[channel_kind] < agent.capacity_for(
        channel_kind
    )


FEW_AGENTS = 20


def loads_for(tenant: Tenant, agents: list) -> dict[int, Load]:
    """Open conversations assigned to each agent plus their pending offers, per channel kind.

    Call it while holding the agents' row locks: then nobody else can add to these counts.
    """
    loads = {agent.pk: Load() for agent in agents}
    agent_by_user = {agent.user_id: agent.pk for agent in agents}
    assigned = Conversation.objects.for_tenant(tenant).filter(state__in=LOAD_STATES)
    offered = Offer.objects.for_tenant(tenant).filter(state=OfferState.PENDING)
    if len(agents) <= FEW_AGENTS:
        assigned = assigned.filter(assignee_id__in=agent_by_user)
        offered = offered.filter(agent_id__in=loads)
    else:  # the whole tenant in one pass beats a long IN list (the engine's ranking read)
        assigned = assigned.filter(assignee__isnull=False)
    counts = assigned.values_list("assignee_id", "channel__kind").annotate(n=Count("id"))
    offer_counts = offered.values_list("agent__user_id", "conversation__channel__kind").annotate(
        n=Count("id")
    )
    for user_id, kind, n in counts.union(offer_counts, all=True):  # one round trip
        if user_id in agent_by_user:
            loads[agent_by_user[user_id]].add(kind, n)
    return loads


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


def check_may_handle(principal: Principal, conversation: Conversation) -> None:
    """Agents act on their own conversations; supervisors and admins on any. 404 otherwise."""
    principal.require(Scope.INBOX_WRITE)
    if principal.can(Scope.CONVERSATIONS_ALL):
        return
    if principal.user is None or conversation.assignee_id != principal.user.pk:
        raise NotFound()
