"""Agent presence and heartbeats; agents who go silent are set offline by the sweep."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import NotFound, ValidationFailed
from contactcenter.realtime.groups import agent_group, supervisor_group
from contactcenter.realtime.publish import publish_on_commit
from inbox.models import Conversation, ConversationState, EventType
from inbox.services.events import record_event
from routing.models import (
    AgentProfile,
    EntryState,
    Offer,
    Presence,
    PresenceChange,
    QueueEntry,
)
from routing.services.common import (
    enqueue_entry,
    kick_assignment,
    release_entries,
    withdraw_offers,
)

# An offline agent's conversations in these states go back to the queue (when it says so).
REQUEUE_STATES = [ConversationState.ASSIGNED, ConversationState.PENDING]


def check_may_set_presence(principal: Principal, agent: AgentProfile) -> None:
    """Agents set their own presence; supervisors and admins anyone's."""
    if principal.can(Scope.CONVERSATIONS_ALL):
        return
    if principal.user is None or principal.user.pk != agent.user_id:
        raise NotFound()


@transaction.atomic(durable=True)
def set_presence(
    tenant: Tenant,
    *,
    agent: AgentProfile,
    presence: str,
    principal: Principal | None = None,
    now: datetime | None = None,
) -> AgentProfile:
    if presence not in Presence.values:
        raise ValidationFailed("Choose available, busy, away or offline.")
    if principal is not None:
        check_may_set_presence(principal, agent)
    return _change_presence(tenant, agent.pk, presence, now=now or timezone.now(), reason="manual")


def _change_presence(
    tenant: Tenant, agent_id: int, presence: str, *, now: datetime, reason: str
) -> AgentProfile:
    """Locks the agent's conversations first, then the agent (the engine's order)."""
    held = []
    if presence == Presence.OFFLINE:
        user_id = AgentProfile.objects.for_tenant(tenant).filter(pk=agent_id).values_list("user_id")
        held = list(
            Conversation.objects.for_tenant(tenant)
            .filter(assignee_id__in=user_id, state__in=REQUEUE_STATES)
            .select_for_update(of=("self",))
            .select_related("channel")
            .order_by("pk")
        )
    try:
        agent = AgentProfile.objects.for_tenant(tenant).select_for_update().get(pk=agent_id)
    except AgentProfile.DoesNotExist as exc:
        raise NotFound() from exc
    if agent.presence == presence:
        return agent
    PresenceChange.objects.create(
        tenant=tenant,
        agent=agent,
        presence=presence,
        previous=agent.presence,
        reason=reason,
        previous_duration_s=max(0, int((now - agent.presence_since).total_seconds())),
        at=now,
    )
    publish_on_commit(
        [supervisor_group(tenant.pk), agent_group(tenant.pk, agent.user_id)],
        {"type": "presence", "agent": agent.user_id, "presence": presence, "reason": reason},
    )
    agent.presence, agent.presence_since = presence, now
    fields = ["presence", "presence_since"]
    if presence != Presence.OFFLINE:
        # Choosing a presence is a sign of life: an old heartbeat (yesterday's) must not let
        # the silence sweep set the agent offline seconds later.
        agent.last_heartbeat_at = now
        fields.append("last_heartbeat_at")
    if presence == Presence.AVAILABLE:
        agent.idle_since = now
        fields.append("idle_since")
    agent.save(update_fields=fields)
    if presence != Presence.AVAILABLE:
        withdraw_offers(
            Offer.objects.for_tenant(tenant).filter(agent=agent), now=now, reason=f"agent_{reason}"
        )
    if presence == Presence.OFFLINE:
        _requeue_conversations(agent, held, now=now, reason=reason)
    kick_assignment(tenant.pk)
    return agent


def _requeue_conversations(
    agent: AgentProfile, conversations: list[Conversation], *, now: datetime, reason: str
) -> None:
    """Conversations whose last queue says `requeue_on_offline` wait again, same priority."""
    for conversation in conversations:
        last = (
            QueueEntry.objects.filter(
                tenant_id=agent.tenant_id, conversation=conversation, state=EntryState.ASSIGNED
            )
            .select_related("queue")
            .order_by("-assigned_at", "-pk")
            .first()
        )
        if last is None or not last.queue.requeue_on_offline:
            continue
        release_entries(conversation, now=now)
        record_event(
            conversation,
            EventType.UNASSIGNED,
            data={"agent": agent.user_id, "reason": f"agent_offline_{reason}"},
            at=now,
        )
        enqueue_entry(
            conversation, last.queue, now=now, priority=last.priority, reason="agent_offline"
        )


def record_heartbeat(tenant: Tenant, *, agent: AgentProfile, now: datetime | None = None) -> None:
    """From the agent's websocket: one UPDATE, no transaction of its own needed."""
    AgentProfile.objects.for_tenant(tenant).filter(pk=agent.pk).update(
        last_heartbeat_at=now or timezone.now()
    )


def mark_silent_agents_offline(*, now: datetime | None = None, after_s: int) -> list[int]:
    """Sweep: agents not offline whose last heartbeat (or presence change, when they never sent
    one) is older than `after_s` go offline: offers withdrawn, conversations re-queued."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=after_s)
    silent = list(
        AgentProfile.objects.exclude(presence=Presence.OFFLINE)
        .filter(
            Q(last_heartbeat_at__lt=cutoff)
            | Q(last_heartbeat_at__isnull=True, presence_since__lt=cutoff)
        )
        .values_list("pk", "tenant_id")
    )
    done = []
    for agent_id, tenant_id in silent:
        if _mark_offline_if_silent(agent_id, tenant_id, now=now, cutoff=cutoff):
            done.append(agent_id)
    return done


@transaction.atomic(durable=True)
def _mark_offline_if_silent(agent_id: int, tenant_id: int, *, now: datetime, cutoff) -> bool:
    tenant = Tenant.objects.get(pk=tenant_id)
    agent = AgentProfile.objects.for_tenant(tenant).get(pk=agent_id)
    heard_at = agent.last_heartbeat_at or agent.presence_since
    if agent.presence == Presence.OFFLINE or heard_at >= cutoff:
        return False  # a heartbeat arrived meanwhile
    _change_presence(tenant, agent_id, Presence.OFFLINE, now=now, reason="silent")
    return True
