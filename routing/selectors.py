"""Reads of routing configuration, always within one tenant, and the access helpers: the row a
principal may touch, or the same NotFound for "missing" and "another company's"."""

from django.db.models import Count, Model, Prefetch, QuerySet

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import NotFound
from inbox.models import Conversation, ConversationState
from inbox.selectors import holds
from routing.models import (
    AgentProfile,
    AgentSkill,
    BusinessHours,
    EntryState,
    Offer,
    OfferState,
    Presence,
    Queue,
    QueueEntry,
    QueueSkill,
    RoutingRule,
    Skill,
)


def skills(tenant: Tenant) -> QuerySet[Skill]:
    return Skill.objects.for_tenant(tenant).order_by("name")


def skills_with_use(tenant: Tenant) -> QuerySet[Skill]:
    """Skills with how many agents have them and how many queues require them."""
    return skills(tenant).annotate(
        agent_count=Count("agent_skills", distinct=True),
        queue_count=Count("queue_skills", distinct=True),
    )


def queues(tenant: Tenant) -> QuerySet[Queue]:
    required = QueueSkill.objects.for_tenant(tenant).select_related("skill").order_by("skill__name")
    return (
        Queue.objects.for_tenant(tenant)
        .select_related("overflow_queue", "business_hours")
        .prefetch_related(Prefetch("queue_skills", queryset=required))
        .order_by("-priority", "name")
    )


def rules(tenant: Tenant) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.for_tenant(tenant).select_related("queue").order_by("position", "pk")


def business_hours(tenant: Tenant) -> QuerySet[BusinessHours]:
    return (
        BusinessHours.objects.for_tenant(tenant)
        .annotate(queue_count=Count("queues"))
        .order_by("name")
    )


def agents(tenant: Tenant) -> QuerySet[AgentProfile]:
    levels = AgentSkill.objects.for_tenant(tenant).select_related("skill").order_by("skill__name")
    return (
        AgentProfile.objects.for_tenant(tenant)
        .select_related("user", "membership")
        .prefetch_related(Prefetch("agent_skills", queryset=levels))
        .order_by("user__email")
    )


def _access(queryset: QuerySet, object_id) -> Model:
    try:
        return queryset.get(pk=int(object_id))
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_skill(principal: Principal, skill_id) -> Skill:
    return _access(skills(principal.tenant), skill_id)


def access_queue(principal: Principal, queue_id) -> Queue:
    return _access(queues(principal.tenant), queue_id)


def access_rule(principal: Principal, rule_id) -> RoutingRule:
    return _access(rules(principal.tenant), rule_id)


def access_business_hours(principal: Principal, hours_id) -> BusinessHours:
    return _access(business_hours(principal.tenant), hours_id)


def access_agent(principal: Principal, agent_id) -> AgentProfile:
    return _access(agents(principal.tenant), agent_id)


# --- What the agent's inbox shows of routing -----------------------------------------------------


def agent_profile(principal: Principal) -> AgentProfile | None:
    if principal.membership is None:
        return None
    return (
        AgentProfile.objects.for_tenant(principal.tenant)
        .filter(membership=principal.membership)
        .first()
    )


def pending_offers(principal: Principal) -> QuerySet[Offer]:
    """Offers waiting for this agent's answer, soonest to expire first."""
    return (
        Offer.objects.for_tenant(principal.tenant)
        .filter(agent__membership=principal.membership, state=OfferState.PENDING)
        .select_related("conversation__contact", "conversation__channel", "entry__queue")
        .order_by("expires_at")
    )


def may_take(principal: Principal, conversation: Conversation) -> bool:
    """Whether the inbox offers the principal a "take" button: supervisors take over any open
    conversation someone else holds; agents take a waiting one when its queue allows it."""
    if (
        not principal.can(Scope.INBOX_WRITE)
        or principal.membership is None
        or conversation.state == ConversationState.RESOLVED
        or holds(principal, conversation)
    ):
        return False
    if principal.can(Scope.CONVERSATIONS_ALL):
        return True
    return QueueEntry.objects.filter(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        state=EntryState.WAITING,
        queue__agents_may_take=True,
    ).exists()


def transfer_agents(tenant: Tenant) -> QuerySet[AgentProfile]:
    """Colleagues who can take a conversation now."""
    return (
        AgentProfile.objects.for_tenant(tenant)
        .exclude(presence=Presence.OFFLINE)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def transfer_queues(tenant: Tenant) -> QuerySet[Queue]:
    return Queue.objects.for_tenant(tenant).order_by("-priority", "name")
