"""Reads of routing configuration, always within one tenant, and the access helpers: the row a
principal may touch, or the same NotFound for "missing" and "another company's"."""

from django.db.models import Count, Model, Prefetch, QuerySet

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal
from contactcenter.errors import NotFound
from routing.models import (
    AgentProfile,
    AgentSkill,
    BusinessHours,
    Queue,
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
