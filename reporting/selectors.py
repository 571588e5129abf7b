"""Live figures for the supervisor dashboard, read from the routing tables and the inbox.

Today's first-response time is the simple honest version until reporting rollups land: for
conversations opened since the tenant's local midnight, `first_response_at - opened_at`
(both written by the services that also write the event log).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import quantiles
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from inbox.models import Conversation, ConversationEvent, ConversationState, EventType
from inbox.services.csat import GOOD_SCORE
from routing.models import AgentProfile, EntryState, Presence, Queue, QueueEntry
from routing.services.ranking import loads_for

# Alert thresholds (per tenant settings come with the SLA issue).
BACKLOG_ALERT = 10
WAIT_ALERT = timedelta(minutes=5)


@dataclass
class QueueFigures:
    queue: Queue
    waiting: int = 0
    longest_wait: timedelta | None = None
    available: int = 0
    busy: int = 0
    away: int = 0
    sla_at_risk: int = 0
    sla_breached: int = 0

    @property
    def is_alert(self) -> bool:
        return (
            self.waiting >= BACKLOG_ALERT
            or bool(self.longest_wait and self.longest_wait >= WAIT_ALERT)
            or self.sla_breached > 0
        )


@dataclass
class AgentFigures:
    agent: AgentProfile
    load: int
    capacity: int
    time_in_state: timedelta


@dataclass
class Dashboard:
    queues: list[QueueFigures] = field(default_factory=list)
    agents: list[AgentFigures] = field(default_factory=list)
    frt_p50: timedelta | None = None
    frt_p90: timedelta | None = None
    answered_today: int = 0
    abandoned_today: int = 0
    open_conversations: int = 0
    sla_due_today: int = 0
    sla_met_today: int = 0
    csat_surveys_today: int = 0
    csat_answers_today: int = 0
    csat_good_today: int = 0

    @property
    def csat(self) -> float | None:
        """Top-box share: answers of 4 or 5 over all answers (inbox.services.csat)."""
        return self.csat_good_today / self.csat_answers_today if self.csat_answers_today else None

    @property
    def sla_met_ratio(self) -> float | None:
        """Answered within target / answered or breached, of today's conversations with one."""
        return self.sla_met_today / self.sla_due_today if self.sla_due_today else None

    @property
    def alerts(self) -> list[QueueFigures]:
        return [q for q in self.queues if q.is_alert]


def start_of_today(tenant: Tenant, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(tenant.time_zone or "UTC"))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def live_dashboard(tenant: Tenant, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    board = Dashboard()
    agents = list(
        AgentProfile.objects.for_tenant(tenant)
        .select_related("user")
        .prefetch_related("agent_skills")
        .order_by("user__full_name", "user__email")
    )
    _queue_figures(tenant, board, agents, now)
    loads = loads_for(tenant, agents)
    board.agents = [
        AgentFigures(a, loads[a.pk].total, a.max_total, now - a.presence_since) for a in agents
    ]
    _today_figures(tenant, board, now)
    return board


def _queue_figures(tenant: Tenant, board: Dashboard, agents, now: datetime) -> None:
    waiting = {
        row["queue_id"]: row
        for row in QueueEntry.objects.for_tenant(tenant)
        .filter(state__in=[EntryState.WAITING, EntryState.OFFERED])
        .values("queue_id")
        .annotate(n=Count("id"), oldest=Min("entered_at"))
    }
    sla = _sla_by_queue(tenant, now)
    skills_of = {a.pk: {s.skill_id for s in a.agent_skills.all()} for a in agents}
    for queue in (
        Queue.objects.for_tenant(tenant)
        .prefetch_related("queue_skills")
        .order_by("-priority", "name")
    ):
        row = waiting.get(queue.pk, {})
        figures = QueueFigures(queue, waiting=row.get("n", 0), **sla.get(queue.pk, {}))
        if row.get("oldest"):
            figures.longest_wait = now - row["oldest"]
        required = {qs.skill_id for qs in queue.queue_skills.all()}
        for agent in agents:
            if required <= skills_of[agent.pk]:
                if agent.presence == Presence.AVAILABLE:
                    figures.available += 1
                elif agent.presence == Presence.BUSY:
                    figures.busy += 1
                elif agent.presence == Presence.AWAY:
                    figures.away += 1
        board.queues.append(figures)


def _sla_by_queue(tenant: Tenant, now: datetime) -> dict[int, dict[str, int]]:
    """Unanswered conversations past 80% of their first-response target, by their queue."""
    entries = (
        QueueEntry.objects.for_tenant(tenant)
        .filter(
            state__in=[EntryState.WAITING, EntryState.OFFERED, EntryState.ASSIGNED],
            released_at__isnull=True,
            conversation__first_response_at__isnull=True,
            conversation__sla_due_at__isnull=False,
        )
        .exclude(conversation__state=ConversationState.RESOLVED)
        .select_related("conversation")
    )
    counts: dict[int, dict[str, int]] = {}
    for entry in entries:
        state = entry.conversation.sla_state(now)
        if state in ("at_risk", "breached"):
            row = counts.setdefault(entry.queue_id, {"sla_at_risk": 0, "sla_breached": 0})
            row[f"sla_{state}"] += 1
    return counts


def _csat_figures(tenant: Tenant, board: Dashboard, since: datetime) -> None:
    events = ConversationEvent.objects.for_tenant(tenant).filter(at__gte=since)
    board.csat_surveys_today = events.filter(type=EventType.CSAT_REQUESTED).count()
    scores = list(events.filter(type=EventType.CSAT_RECEIVED).values_list("data__score", flat=True))
    board.csat_answers_today = len(scores)
    board.csat_good_today = sum(1 for score in scores if (score or 0) >= GOOD_SCORE)


def _today_figures(tenant: Tenant, board: Dashboard, now: datetime) -> None:
    since = start_of_today(tenant, now)
    conversations = Conversation.objects.for_tenant(tenant)
    responses = sorted(
        (
            row["frt"]
            for row in conversations.filter(opened_at__gte=since, first_response_at__isnull=False)
            .annotate(frt=F("first_response_at") - F("opened_at"))
            .values("frt")
        ),
    )
    board.answered_today = len(responses)
    if len(responses) == 1:
        board.frt_p50 = board.frt_p90 = responses[0]
    elif responses:
        seconds = [r.total_seconds() for r in responses]
        cuts = quantiles(seconds, n=10, method="inclusive")
        board.frt_p50, board.frt_p90 = timedelta(seconds=cuts[4]), timedelta(seconds=cuts[8])
    board.abandoned_today = (
        QueueEntry.objects.for_tenant(tenant)
        .filter(state=EntryState.ABANDONED, left_at__gte=since)
        .filter(conversation__first_response_at__isnull=True)
        .count()
    )
    board.open_conversations = conversations.exclude(state=ConversationState.RESOLVED).count()
    _csat_figures(tenant, board, since)
    with_target = conversations.filter(opened_at__gte=since, sla_due_at__isnull=False)
    board.sla_met_today = with_target.filter(first_response_at__lte=F("sla_due_at")).count()
    board.sla_due_today = board.sla_met_today + (
        with_target.filter(first_response_at__gt=F("sla_due_at")).count()
        + with_target.filter(first_response_at__isnull=True, sla_due_at__lte=now).count()
    )
