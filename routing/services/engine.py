"""The assignment engine and offers.

`assign_waiting` claims waiting entries with SELECT … FOR UPDATE SKIP LOCKED (so parallel
workers take disjoint work) and ranks the available agents from a plain read. It then locks
only the agent it chose, with SKIP LOCKED (an agent another worker is assigning to right now is
passed over, so no two runs ever wait on each other), and recounts that agent's load inside the
lock: a slot is given only by a holder of the agent's lock, so two workers can never overfill
an agent nor assign one conversation twice.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import Conflict, NotFound
from contactcenter.realtime.groups import agent_group
from contactcenter.realtime.publish import publish_on_commit
from inbox.models import Conversation, ConversationState, EventType
from inbox.services.events import record_event, wire_payload
from routing.models import (
    AgentProfile,
    AssignmentMode,
    EntryState,
    Offer,
    OfferState,
    Presence,
    Queue,
    QueueEntry,
)
from routing.services.common import kick_assignment
from routing.services.hours import is_open
from routing.services.ranking import has_room, ranked_agents

DEFAULT_BATCH = 100


@dataclass
class AssignResult:
    claimed: int = 0
    assigned: int = 0
    offered: int = 0

    @property
    def placed(self) -> int:
        return self.assigned + self.offered


@transaction.atomic(durable=True)
def assign_waiting(
    tenant: Tenant, *, queue: Queue | None = None, now: datetime | None = None, limit: int = 100
) -> AssignResult:
    """Serves up to `limit` waiting entries: priority first, then longest waiting.

    For each, the eligible agent (available; every required skill at the minimum proficiency;
    the contact's language when the queue asks for it; a free slot for the channel and in
    total) with the best skill match, then idle longest — or the contact's last agent when the
    queue is sticky. Entries of closed queues (business hours) keep waiting.
    """
    now = now or timezone.now()
    queues = Queue.objects.for_tenant(tenant).select_related("business_hours")
    if queue is not None:
        queues = queues.filter(pk=queue.pk)
    open_queues = {
        q.pk: q for q in queues if is_open(q.business_hours, now, tenant_tz=tenant.time_zone)
    }
    if not open_queues:
        return AssignResult()
    entries = list(
        QueueEntry.objects.for_tenant(tenant)
        .filter(state=EntryState.WAITING, queue_id__in=open_queues)
        .select_related("conversation__contact", "conversation__channel")
        .select_for_update(skip_locked=True, of=("self", "conversation"))
        .order_by("-priority", "entered_at", "pk")[:limit]
    )
    result = AssignResult(claimed=len(entries))
    if entries:
        declined = set(
            Offer.objects.for_tenant(tenant)
            .filter(entry_id__in=[entry.pk for entry in entries], state=OfferState.DECLINED)
            .values_list("entry_id", "agent_id")
        )
        _place(tenant, entries, open_queues, now, result, declined=declined)
    return result


def assign_arrival(tenant: Tenant, entry: QueueEntry, *, now: datetime) -> bool:
    """A conversation that just entered a queue gets its agent in the same transaction when
    nothing else of the tenant waits (so nobody is overtaken): one task and one commit instead
    of two on the common path. Composed by routing; False leaves it to the engine's run."""
    queue = entry.queue
    if not is_open(queue.business_hours, now, tenant_tz=tenant.time_zone):
        return False
    others = QueueEntry.objects.for_tenant(tenant).filter(state=EntryState.WAITING)
    if others.exclude(pk=entry.pk).exists():
        return False
    result = AssignResult(claimed=1)
    _place(tenant, [entry], {queue.pk: queue}, now, result, declined=set())  # no offers yet
    return result.placed > 0


def _place(
    tenant: Tenant,
    entries: list[QueueEntry],
    open_queues: dict[int, Queue],
    now: datetime,
    result: AssignResult,
    *,
    declined: set[tuple[int, int]],
) -> AssignResult:
    """Gives each (locked) entry, in order, to its best eligible agent that has room and has
    not declined it ((entry, agent) pairs)."""
    locks = _AgentLocks()
    for entry in entries:
        conversation = entry.conversation
        if conversation.state == ConversationState.RESOLVED or conversation.assignee_id:
            # Resolved or taken over without passing through routing: the wait is over.
            entry.state, entry.left_at = EntryState.ABANDONED, now
            entry.save(update_fields=["state", "left_at"])
            continue
        entry_queue = open_queues[entry.queue_id]
        kind = conversation.channel.kind
        ranking = partial(
            ranked_agents,
            tenant.pk,
            kind=kind,
            queue_id=entry.queue_id,
            relaxed=entry.min_proficiency_override,
            languages=_languages(entry_queue, conversation.contact.language),
            preferred=_sticky_agent(entry, entry_queue, now),
            limit=RANKED,
        )
        refused = {agent for entry_id, agent in declined if entry_id == entry.pk}
        chosen = locks.first_with_room(ranking, kind, refused=refused)
        if chosen is None:
            continue
        if entry_queue.assignment_mode == AssignmentMode.OFFER:
            _offer(entry, chosen, entry_queue, now)
            result.offered += 1
        else:
            assign_entry(entry, chosen, now=now)
            result.assigned += 1
        # Now, not at the end of the run: the next entry's ranking reads it.
        AgentProfile.objects.filter(pk=chosen.pk).update(idle_since=now)
    return result


RANKED = 5  # agents read per ranking; another read follows only if all of them are passed over
MAX_RANKINGS = 10


@dataclass
class _AgentLocks:
    """The agents this run holds, locked one at a time as they are chosen. Nobody else can
    add to a held agent's load, and the ranking reads this run's own assignments, so a held
    agent it returns has room; one newly locked is checked again inside the lock."""

    held: dict[int, AgentProfile] = field(default_factory=dict)
    passed: set[int] = field(default_factory=set)

    def first_with_room(self, ranking, kind: str, *, refused: set[int]) -> AgentProfile | None:
        """The first ranked agent this run holds, or can lock and still finds room for; ranks
        again past those passed over (locked elsewhere, or full after all)."""
        skipped = set(refused)
        for _attempt in range(MAX_RANKINGS):
            ranked = ranking(excluded=skipped | self.passed)
            for agent_id in ranked:
                if agent_id in self.held:
                    return self.held[agent_id]
                agent = self._lock(agent_id)
                if agent is not None and has_room(agent.pk, kind):
                    return agent
                skipped.add(agent_id)
            if len(ranked) < RANKED:
                return None
        return None

    def _lock(self, agent_id: int) -> AgentProfile | None:
        agent = (
            AgentProfile.objects.filter(pk=agent_id, presence=Presence.AVAILABLE)
            .select_for_update(skip_locked=True)
            .first()
        )
        if agent is None:  # being assigned by another run right now, or no longer available
            self.passed.add(agent_id)
            return None
        self.held[agent.pk] = agent
        return agent


def _languages(queue: Queue, language: str) -> list[str] | None:
    """Languages of which the agent must speak one: the contact's when the queue asks for a
    language match and it is known, else any of the queue's."""
    if not queue.languages:
        return None
    return [language] if language else list(queue.languages)


def _sticky_agent(entry: QueueEntry, queue: Queue, now: datetime) -> int | None:
    """The contact's last agent, if they last held the contact within the sticky window."""
    if not queue.sticky_window_s:
        return None
    since = now - timedelta(seconds=queue.sticky_window_s)
    return (
        QueueEntry.objects.filter(
            tenant_id=entry.tenant_id,
            conversation__contact_id=entry.conversation.contact_id,
            agent__isnull=False,
        )
        .filter(Q(released_at__gte=since) | Q(released_at__isnull=True, assigned_at__gte=since))
        .exclude(pk=entry.pk)
        .order_by("-assigned_at")
        .values_list("agent_id", flat=True)
        .first()
    )


def assign_entry(
    entry: QueueEntry, agent: AgentProfile, *, now: datetime, actor=None, reason: str = ""
) -> None:
    """Gives the entry's conversation to the agent. The caller holds the conversation's and the
    agent's row locks (or an accepted offer's reserved slot)."""
    conversation = entry.conversation
    entry.state, entry.agent, entry.assigned_at = EntryState.ASSIGNED, agent, now
    entry.save(update_fields=["state", "agent", "assigned_at"])
    conversation.state = ConversationState.ASSIGNED
    conversation.assignee_id = agent.user_id
    conversation.save(update_fields=["state", "assignee"])
    data = {
        "agent": agent.user_id,
        "queue": entry.queue_id,
        "entry": entry.pk,
        "wait_s": round((now - entry.entered_at).total_seconds(), 3),
    }
    if reason:
        data["reason"] = reason
    record_event(conversation, EventType.ASSIGNED, actor=actor, data=data, at=now)


@transaction.atomic(durable=True)
def take_conversation(
    tenant: Tenant, *, principal: Principal, conversation: Conversation, now: datetime | None = None
) -> Conversation:
    """An agent takes a waiting conversation from the Queue tab, when its queue allows it.

    The engine's locks in the engine's order: the conversation with its waiting entry, then the
    agent's profile, whose load is recounted inside that lock. Two agents taking at once queue
    on the conversation's lock and the second finds it taken; the engine's runs skip the rows
    a take holds, and the agent's lock gives a slot to one holder at a time.
    """
    principal.require(Scope.INBOX_WRITE)
    now = now or timezone.now()
    conversation = (
        Conversation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("channel", "assignee")
        .get(pk=conversation.pk)
    )
    if conversation.assignee_id is not None:
        raise Conflict(_("%(agent)s has this conversation now.") % {"agent": conversation.assignee})
    entry = (
        QueueEntry.objects.for_tenant(tenant)
        .filter(conversation=conversation, state=EntryState.WAITING)
        .select_for_update(of=("self",))
        .select_related("queue")
        .first()
    )
    if entry is None:
        raise Conflict(_("This conversation is not waiting in a queue: there is nothing to take."))
    if not entry.queue.agents_may_take:
        raise Conflict(
            _(
                "The %(queue)s queue hands out its conversations in order: wait until one is "
                "offered to you."
            )
            % {"queue": entry.queue.name}
        )
    if principal.membership is None:  # a token acts for a system: nobody to hold it
        raise NotFound()
    agent = (
        AgentProfile.objects.for_tenant(tenant)
        .filter(membership=principal.membership)
        .exclude(presence=Presence.OFFLINE)
        .select_for_update()
        .first()
    )
    if agent is None:
        raise Conflict(_("You are offline. Choose Available to take conversations."))
    if not has_room(agent.pk, conversation.channel.kind):
        raise Conflict(_("You have no free slot. Finish a conversation before taking another."))
    entry.conversation = conversation
    assign_entry(entry, agent, now=now, actor=principal.user, reason="taken")
    agent.idle_since = now
    agent.save(update_fields=["idle_since"])
    return conversation


def _offer(entry: QueueEntry, agent: AgentProfile, queue: Queue, now: datetime) -> Offer:
    conversation = entry.conversation
    offer = Offer.objects.create(
        tenant_id=entry.tenant_id,
        conversation=conversation,
        entry=entry,
        agent=agent,
        created_at=now,
        expires_at=now + timedelta(seconds=queue.offer_timeout_s),
    )
    entry.state = EntryState.OFFERED
    entry.save(update_fields=["state"])
    event = record_event(
        conversation,
        EventType.OFFERED,
        data={
            "agent": agent.user_id,
            "offer": offer.pk,
            "queue": queue.pk,
            "expires_at": offer.expires_at.isoformat(),
        },
        at=now,
    )
    # The offered agent is not the assignee yet: tell their tab directly.
    publish_on_commit(
        [agent_group(entry.tenant_id, agent.user_id)],
        wire_payload(event, conversation),
        log_event_id=event.pk,
    )
    return offer


def _locked_offer(tenant: Tenant, principal: Principal, offer_id: int) -> Offer:
    """The principal's own offer, locked; another agent's or tenant's is a 404."""
    try:
        offer = (
            Offer.objects.for_tenant(tenant)
            .select_for_update(of=("self",))
            .select_related("agent", "entry", "conversation")
            .get(pk=int(offer_id))
        )
    except (Offer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if principal.user is None or offer.agent.user_id != principal.user.pk:
        raise NotFound()
    return offer


@transaction.atomic(durable=True)
def accept_offer(
    tenant: Tenant, *, principal: Principal, offer_id: int, now: datetime | None = None
) -> Offer:
    """The offered agent takes the conversation; the offer's reserved slot becomes theirs."""
    now = now or timezone.now()
    offer = _locked_offer(tenant, principal, offer_id)
    if offer.state != OfferState.PENDING or offer.expires_at <= now:
        raise Conflict("This offer is no longer open; it went back to the queue.")
    offer.state, offer.responded_at = OfferState.ACCEPTED, now
    offer.save(update_fields=["state", "responded_at"])
    entry = (
        QueueEntry.objects.select_for_update().select_related("conversation").get(pk=offer.entry_id)
    )
    record_event(
        entry.conversation,
        EventType.OFFER_ACCEPTED,
        actor=principal.user,
        data={"offer": offer.pk, "agent": offer.agent.user_id},
        at=now,
    )
    assign_entry(entry, offer.agent, now=now, actor=principal.user)
    return offer


@transaction.atomic(durable=True)
def decline_offer(
    tenant: Tenant, *, principal: Principal, offer_id: int, now: datetime | None = None
) -> Offer:
    """The agent says no: the conversation waits again and goes to someone else."""
    now = now or timezone.now()
    offer = _locked_offer(tenant, principal, offer_id)
    if offer.state != OfferState.PENDING:
        raise Conflict("This offer is no longer open.")
    offer.state, offer.responded_at = OfferState.DECLINED, now
    offer.save(update_fields=["state", "responded_at"])
    _back_to_waiting(offer)
    record_event(
        offer.conversation,
        EventType.OFFER_DECLINED,
        actor=principal.user,
        data={"offer": offer.pk, "agent": offer.agent.user_id},
        at=now,
    )
    kick_assignment(tenant.pk)
    return offer


def _back_to_waiting(offer: Offer) -> None:
    QueueEntry.objects.filter(pk=offer.entry_id, state=EntryState.OFFERED).update(
        state=EntryState.WAITING
    )


@transaction.atomic(durable=True)
def expire_offers(*, now: datetime | None = None, limit: int = 500) -> set[int]:
    """Sweep: offers past their deadline expire; the agent is set away (not responding, as
    TaskRouter's timeout activity) and the conversation waits for the next agent.

    Returns the ids of the tenants that have work to assign again.
    """
    now = now or timezone.now()
    offers = list(
        Offer.objects.filter(state=OfferState.PENDING, expires_at__lte=now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("agent", "conversation")
        .order_by("expires_at", "pk")[:limit]
    )
    for offer in offers:
        offer.state, offer.responded_at = OfferState.EXPIRED, now
        offer.save(update_fields=["state", "responded_at"])
        _back_to_waiting(offer)
        _mark_not_responding(offer.agent_id, now)
        record_event(
            offer.conversation,
            EventType.OFFER_EXPIRED,
            data={"offer": offer.pk, "agent": offer.agent.user_id, "reason": "timeout"},
            at=now,
        )
    return {offer.tenant_id for offer in offers}


def _mark_not_responding(agent_id: int, now: datetime) -> None:
    """Never waits: an agent whose profile is locked is changing presence right now anyway."""
    locked = (
        AgentProfile.objects.filter(pk=agent_id, presence=Presence.AVAILABLE)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    AgentProfile.objects.filter(pk__in=list(locked)).update(
        presence=Presence.AWAY, presence_since=now
    )
