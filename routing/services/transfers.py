"""Transfers: agent → agent, agent → queue (with a note), supervisor reassign and take-over."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import Conflict, NotFound
from inbox.access import check_may_handle
from inbox.models import Conversation, ConversationState, EventType
from inbox.services.events import record_event
from inbox.services.notes import write_note
from routing.models import AgentProfile, EntryState, Offer, Presence, QueueEntry
from routing.models import Queue as QueueModel
from routing.services.common import (
    active_entry,
    default_queue,
    enqueue_entry,
    kick_assignment,
    release_entries,
    touch_idle_since,
    withdraw_offers,
)
from routing.services.engine import take_conversation
from routing.services.ranking import has_room

MAX_NOTE = 2000


def _locked_conversation(tenant: Tenant, conversation: Conversation) -> Conversation:
    conversation = (
        Conversation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("channel")
        .get(pk=conversation.pk)
    )
    if conversation.state == ConversationState.RESOLVED:
        raise Conflict("This conversation is resolved; it reopens when the customer writes.")
    return conversation


def _locked_agent(tenant: Tenant, agent: AgentProfile) -> AgentProfile:
    try:
        return AgentProfile.objects.for_tenant(tenant).select_for_update().get(pk=agent.pk)
    except AgentProfile.DoesNotExist as exc:
        raise NotFound() from exc


def _note_for_the_next_agent(conversation: Conversation, author, note: str) -> None:
    """The note travels in the thread, where the next agent reads first."""
    if note.strip():
        write_note(conversation, author=author, text=note.strip(), kind="transfer")


def _hand_to_agent(
    tenant: Tenant,
    conversation: Conversation,
    agent: AgentProfile,
    *,
    principal: Principal,
    note: str,
    now: datetime,
    kind: str,
    ignore_capacity: bool,
    event: str = EventType.TRANSFERRED,
) -> Conversation:
    """The caller holds the conversation's lock; the agent's is taken here (engine order)."""
    agent = _locked_agent(tenant, agent)
    if conversation.assignee_id == agent.user_id:
        raise Conflict("This conversation is already with that agent.")
    if not ignore_capacity:
        if agent.presence == Presence.OFFLINE:
            raise Conflict("That agent is offline. Choose someone who is online, or a queue.")
        if not has_room(agent.pk, conversation.channel.kind):
            raise Conflict("That agent has no free slot. Choose someone else, or a queue.")
    withdraw_offers(
        Offer.objects.for_tenant(tenant).filter(conversation=conversation),
        now=now,
        reason="transferred",
    )
    previous = conversation.assignee_id
    entry = active_entry(conversation)
    if entry is None:
        last = (
            QueueEntry.objects.for_tenant(tenant)
            .filter(conversation=conversation)
            .order_by("-entered_at", "-pk")
            .first()
        )
        entry = QueueEntry(
            tenant=tenant,
            conversation=conversation,
            queue_id=last.queue_id if last else default_queue(tenant).pk,
            priority=last.priority if last else 0,
            entered_at=now,
        )
    release_entries(conversation, now=now)
    entry.state, entry.agent, entry.assigned_at = EntryState.ASSIGNED, agent, now
    entry.overflow_at = entry.max_wait_at = None
    entry.save()
    if conversation.state in (ConversationState.QUEUED, ConversationState.BOT):
        conversation.state = ConversationState.ASSIGNED
    conversation.assignee_id = agent.user_id
    conversation.save(update_fields=["state", "assignee"])
    actor = principal.user
    _note_for_the_next_agent(conversation, actor, note)
    # The agent it leaves hears this too (events.listeners): their composer closes.
    record_event(
        conversation,
        event,
        actor=actor,
        data={"kind": kind, "from_agent": previous, "to_agent": agent.user_id, "note": note},
        at=now,
    )
    record_event(
        conversation,
        EventType.ASSIGNED,
        actor=actor,
        data={"agent": agent.user_id, "entry": entry.pk, "reason": kind},
        at=now,
    )
    agent.idle_since = now
    agent.save(update_fields=["idle_since"])
    if previous:
        touch_idle_since(tenant.pk, [previous], now)
        kick_assignment(tenant.pk)
    return conversation


@transaction.atomic(durable=True)
def transfer_to_agent(
    tenant: Tenant,
    *,
    principal: Principal,
    conversation: Conversation,
    agent: AgentProfile,
    note: str = "",
    now: datetime | None = None,
) -> Conversation:
    """An agent hands their conversation to a colleague who is online with a free slot."""
    conversation = _locked_conversation(tenant, conversation)
    check_may_handle(principal, conversation)
    return _hand_to_agent(
        tenant,
        conversation,
        agent,
        principal=principal,
        note=note[:MAX_NOTE],
        now=now or timezone.now(),
        kind="agent",
        ignore_capacity=False,
    )


@transaction.atomic(durable=True)
def reassign_conversation(
    tenant: Tenant,
    *,
    principal: Principal,
    conversation: Conversation,
    agent: AgentProfile,
    note: str = "",
    now: datetime | None = None,
) -> Conversation:
    """A supervisor's decision: any open conversation to any agent, capacity notwithstanding
    (TaskRouter's IgnoreCapacity)."""
    principal.require(Scope.CONVERSATIONS_ALL)
    conversation = _locked_conversation(tenant, conversation)
    return _hand_to_agent(
        tenant,
        conversation,
        agent,
        principal=principal,
        note=note[:MAX_NOTE],
        now=now or timezone.now(),
        kind="reassign",
        ignore_capacity=True,
    )


@transaction.atomic(durable=True)
def take_over_conversation(
    tenant: Tenant, *, principal: Principal, conversation: Conversation, now: datetime | None = None
) -> Conversation:
    """A supervisor takes the conversation themselves (a routing profile is made if missing):
    from then on they are its assignee, the only one who answers or changes it."""
    principal.require(Scope.CONVERSATIONS_ALL)
    if principal.membership is None:
        raise NotFound()
    conversation = _locked_conversation(tenant, conversation)
    agent, _ = AgentProfile.objects.get_or_create(
        tenant=tenant, membership=principal.membership, defaults={"user": principal.user}
    )
    return _hand_to_agent(
        tenant,
        conversation,
        agent,
        principal=principal,
        note="",
        now=now or timezone.now(),
        kind="take_over",
        ignore_capacity=True,
        event=EventType.TAKEN_OVER,
    )


@transaction.atomic(durable=True)
def transfer_to_queue(
    tenant: Tenant,
    *,
    principal: Principal,
    conversation: Conversation,
    queue: QueueModel,
    note: str = "",
    now: datetime | None = None,
) -> QueueEntry:
    """Back to a queue (another team, a skill the agent lacks) with a note for the next agent."""
    now = now or timezone.now()
    conversation = _locked_conversation(tenant, conversation)
    check_may_handle(principal, conversation)
    try:
        queue = QueueModel.objects.for_tenant(tenant).get(pk=queue.pk)
    except QueueModel.DoesNotExist as exc:
        raise NotFound() from exc
    withdraw_offers(
        Offer.objects.for_tenant(tenant).filter(conversation=conversation),
        now=now,
        reason="transferred",
    )
    entry = active_entry(conversation)
    if entry is not None:
        entry.state, entry.left_at = EntryState.ABANDONED, now
        entry.save(update_fields=["state", "left_at"])
    previous = conversation.assignee_id
    release_entries(conversation, now=now)
    actor = principal.user
    _note_for_the_next_agent(conversation, actor, note[:MAX_NOTE])
    record_event(
        conversation,
        EventType.TRANSFERRED,
        actor=actor,
        data={
            "kind": "queue",
            "from_agent": previous,
            "to_queue": queue.pk,
            "note": note[:MAX_NOTE],
        },
        at=now,
    )
    if previous:
        record_event(
            conversation,
            EventType.UNASSIGNED,
            actor=actor,
            data={"agent": previous, "reason": "transferred"},
            at=now,
        )
        touch_idle_since(tenant.pk, [previous], now)
    new_entry = enqueue_entry(conversation, queue, now=now, reason="transfer", actor=actor)
    kick_assignment(tenant.pk)
    return new_entry


def take_for(principal: Principal):
    """The one "take" button: a supervisor takes over (any open conversation, capacity
    notwithstanding); an agent takes a waiting one, when its queue allows it."""
    if principal.can(Scope.CONVERSATIONS_ALL):
        return take_over_conversation
    return take_conversation
