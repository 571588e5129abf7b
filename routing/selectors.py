"""Reads of routing configuration, always within one tenant."""

from django.db.models import QuerySet

from contactcenter.accounts.models import Tenant
from routing.models import AgentProfile, BusinessHours, Queue, RoutingRule, Skill


def skills(tenant: Tenant) -> QuerySet[Skill]:
    return Skill.objects.for_tenant(tenant).order_by("name")


def queues(tenant: Tenant) -> QuerySet[Queue]:
    return (
        Queue.objects.for_tenant(tenant)
        .prefetch_related("queue_skills")
        .order_by("-priority", "name")
    )


def rules(tenant: Tenant) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.for_tenant(tenant).order_by("position", "pk")


def business_hours(tenant: Tenant) -> QuerySet[BusinessHours]:
    return BusinessHours.objects.for_tenant(tenant).order_by("name")


def agents(tenant: Tenant) -> QuerySet[AgentProfile]:
    return (
        AgentProfile.objects.for_tenant(tenant)
        .select_related("user")
        .prefetch_related("agent_skills")
        .order_by("user__email")
    )
