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

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal
from contactcenter.errors import Conflict, NotFound
from contactcenter.realtime.groups import agent_group
from contactcenter.realtime.publish import publish_on_commit
from inbox.models import ConversationState, EventType
from inbox.services.events import record_event, wire_payload
from routing.models import (
    AgentProfile,
    AgentSkill,
    AssignmentMode,
    EntryState,
    Offer,
    OfferState,
    Presence,
    Queue,
    QueueEntry,
    QueueSkill,
)
from routing.services.common import Load, has_room, kick_assignment, loads_for
from routing.services.hours import is_open

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
    candidates = _available_agents(tenant)
    if not candidates:
        return result
    loads = loads_for(tenant, candidates)  # unlocked: a ranking hint, recounted before use
    proficiency: dict[int, dict[int, int]] = {agent.pk: {} for agent in candidates}
    for agent_id, skill_id, level in (
        AgentSkill.objects.for_tenant(tenant)
        .filter(agent__presence=Presence.AVAILABLE)
        .values_list("agent_id", "skill_id", "proficiency")
    ):
        if agent_id in proficiency:
            proficiency[agent_id][skill_id] = level
    required: dict[int, list[tuple[int, int]]] = {pk: [] for pk in open_queues}
    for queue_skill in QueueSkill.objects.for_tenant(tenant).filter(queue_id__in=open_queues):
        required[queue_skill.queue_id].append((queue_skill.skill_id, queue_skill.min_proficiency))
    locks = _AgentLocks(tenant, loads)
    for entry in entries:
        conversation = entry.conversation
        if conversation.state == ConversationState.RESOLVED or conversation.assignee_id:
            # Resolved or taken over without passing through routing: the wait is over.
            entry.state, entry.left_at = EntryState.ABANDONED, now
            entry.save(update_fields=["state", "left_at"])
            continue
        entry_queue = open_queues[entry.queue_id]
        kind = conversation.channel.kind
        skills = [
            (skill, min(minimum, entry.min_proficiency_override or minimum))
            for skill, minimum in required[entry.queue_id]
        ]
        eligible = [
            agent
            for agent in candidates
            if (entry.pk, agent.pk) not in declined
            and has_room(agent, loads[agent.pk], kind)
            and all(proficiency[agent.pk].get(s, 0) >= m for s, m in skills)
            and _speaks(agent, entry_queue, conversation.contact.language)
        ]
        if not eligible:
            continue
        eligible.sort(
            key=lambda a: (
                -sum(proficiency[a.pk].get(s, 0) for s, _ in skills),
                a.idle_since,
                a.pk,
            )
        )
        sticky = _sticky_agent(entry, entry_queue, eligible, now)
        if sticky is not None:
            eligible.remove(sticky)
            eligible.insert(0, sticky)
        chosen = locks.first_with_room(eligible, kind)
        if chosen is None:
            continue
        if entry_queue.assignment_mode == AssignmentMode.OFFER:
            _offer(entry, chosen, entry_queue, now)
            result.offered += 1
        else:
            assign_entry(entry, chosen, now=now)
            result.assigned += 1
        loads[chosen.pk].add(kind)
        next(agent for agent in candidates if agent.pk == chosen.pk).idle_since = now
    if locks.touched:
        AgentProfile.objects.filter(pk__in=locks.touched).update(idle_since=now)
    return result


@dataclass
class Candidate:
    """What ranking needs of an available agent, read without locks or model instances (the
    engine runs per new conversation, for every available agent of the tenant)."""

    pk: int
    user_id: int
    max_total: int
    channel_capacity: dict
    languages: list[str]
    idle_since: datetime

    def capacity_for(self, channel_kind: str) -> int:
        return AgentProfile.capacity_for(self, channel_kind)


def _available_agents(tenant: Tenant) -> list[Candidate]:
    rows = (
        AgentProfile.objects.for_tenant(tenant)
        .filter(presence=Presence.AVAILABLE)
        .values_list("pk", "user_id", "max_total", "channel_capacity", "languages", "idle_since")
    )
    return [Candidate(*row) for row in rows]


@dataclass
class _AgentLocks:
    """The agents this run holds: locked one at a time as they are chosen, their load recounted
    once inside the lock and then kept up to date by the run itself."""

    tenant: Tenant
    loads: dict[int, Load]
    held: dict[int, AgentProfile] = field(default_factory=dict)
    passed: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)

    def first_with_room(self, ranked: list[Candidate], kind: str) -> AgentProfile | None:
        for candidate in ranked:
            if candidate.pk in self.passed:
                continue
            agent = self.held.get(candidate.pk) or self._lock(candidate.pk)
            if agent is not None and has_room(agent, self.loads[agent.pk], kind):
                self.touched.add(agent.pk)
                return agent
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
        self.loads[agent.pk] = loads_for(self.tenant, [agent])[agent.pk]
        self.held[agent.pk] = agent
        return agent


def _speaks(agent: Candidate, queue: Queue, language: str) -> bool:
    if not queue.languages:
        return True
    if language:
        return language in agent.languages
    return any(code in agent.languages for code in queue.languages)


def _sticky_agent(
    entry: QueueEntry, queue: Queue, candidates: list[Candidate], now: datetime
) -> Candidate | None:
    """The contact's last agent, if they last held the contact within the sticky window."""
    if not queue.sticky_window_s:
        return None
    since = now - timedelta(seconds=queue.sticky_window_s)
    last = (
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
    return next((agent for agent in candidates if agent.pk == last), None)


def assign_entry(entry: QueueEntry, agent: AgentProfile, *, now: datetime, actor=None) -> None:
    """Gives the entry's conversation to the agent. The caller holds the conversation's and the
    agent's row locks (or an accepted offer's reserved slot)."""
    conversation = entry.conversation
    entry.state, entry.agent, entry.assigned_at = EntryState.ASSIGNED, agent, now
    entry.save(update_fields=["state", "agent", "assigned_at"])
    conversation.state = ConversationState.ASSIGNED
    conversation.assignee_id = agent.user_id
    conversation.save(update_fields=["state", "assignee"])
    record_event(
        conversation,
        EventType.ASSIGNED,
        actor=actor,
        data={
            "agent": agent.user_id,
            "queue": entry.queue_id,
            "entry": entry.pk,
            "wait_s": round((now - entry.entered_at).total_seconds(), 3),
        },
        at=now,
    )


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
