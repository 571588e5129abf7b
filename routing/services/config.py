"""Admins' writes of routing configuration, each audited in the same transaction."""

import re
from zoneinfo import available_timezones

from django.db import transaction

from contactcenter.accounts.models import Membership, Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.services import record_audit
from contactcenter.errors import ValidationFailed
from routing.models import AgentProfile, AgentSkill, BusinessHours, Queue, QueueSkill, Skill

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _audit(principal: Principal, action: str, target, changed) -> None:
    record_audit(
        principal.tenant,
        actor=principal.user,
        actor_label=principal.label,
        action=action,
        target=target,
        data={"changed": sorted(changed)},
    )


def check_business_hours(fields: dict) -> None:
    zone = fields.get("time_zone")
    if zone and zone not in available_timezones():
        raise ValidationFailed(f"Unknown time zone {zone!r}; use a name like America/Sao_Paulo.")
    for day, ranges in (fields.get("weekly") or {}).items():
        if day not in DAYS:
            raise ValidationFailed(f"Unknown day {day!r}; use mon, tue, wed, thu, fri, sat, sun.")
        for pair in ranges:
            if len(pair) != 2 or not all(HHMM.match(str(t)) for t in pair) or pair[0] >= pair[1]:
                raise ValidationFailed(f'Opening hours on {day} are "HH:MM"-"HH:MM", start first.')


def check_skills(skills: list[tuple[Skill, int]]) -> None:
    for skill, level in skills:
        if not 1 <= int(level) <= 10:
            raise ValidationFailed(f"Proficiency in {skill.name} is from 1 to 10.")


@transaction.atomic(durable=True)
def save_config(tenant: Tenant, *, principal: Principal, instance, fields: dict, skills=None):
    """Creates or updates a skill, queue, rule or business hours (the serializer validated
    the fields); queues replace their required skills when `skills` is given."""
    principal.require(Scope.CONFIG)
    if isinstance(instance, BusinessHours):
        check_business_hours(fields)
    if skills is not None:
        check_skills(skills)
    created = instance.pk is None
    for key, value in fields.items():
        setattr(instance, key, value)
    instance.tenant = tenant
    if isinstance(instance, Queue) and instance.is_default:
        Queue.objects.for_tenant(tenant).exclude(pk=instance.pk).update(is_default=False)
    instance.save()
    if skills is not None and isinstance(instance, Queue):
        QueueSkill.objects.for_tenant(tenant).filter(queue=instance).delete()
        QueueSkill.objects.bulk_create(
            QueueSkill(tenant=tenant, queue=instance, skill=s, min_proficiency=m) for s, m in skills
        )
    kind = type(instance).__name__.lower()
    _audit(
        principal,
        f"{kind}.{'created' if created else 'updated'}",
        instance,
        [*fields, *(["skills"] if skills is not None else [])],
    )
    return instance


@transaction.atomic(durable=True)
def delete_config(tenant: Tenant, *, principal: Principal, instance) -> None:
    principal.require(Scope.CONFIG)
    _audit(principal, f"{type(instance).__name__.lower()}.deleted", instance, [])
    instance.delete()


@transaction.atomic(durable=True)
def ensure_agent_profile(tenant: Tenant, *, membership: Membership) -> AgentProfile:
    """Every member can take conversations once an admin gives them skills (idempotent)."""
    profile, _ = AgentProfile.objects.get_or_create(
        tenant=tenant,
        membership=membership,
        defaults={
            "user": membership.user,
            "languages": [tenant.default_language],
            "channel_capacity": {"whatsapp": 4},
            "max_total": 5,
        },
    )
    return profile


@transaction.atomic(durable=True)
def update_agent_profile(
    tenant: Tenant, *, principal: Principal, agent: AgentProfile, fields: dict, skills=None
) -> AgentProfile:
    """Languages, capacities and skills with proficiency (1-10) of one agent."""
    principal.require(Scope.CONFIG)
    if skills is not None:
        check_skills(skills)
    for key, value in fields.items():
        setattr(agent, key, value)
    agent.save(update_fields=list(fields) or None)
    if skills is not None:
        AgentSkill.objects.for_tenant(tenant).filter(agent=agent).delete()
        AgentSkill.objects.bulk_create(
            AgentSkill(tenant=tenant, agent=agent, skill=s, proficiency=p) for s, p in skills
        )
    _audit(
        principal,
        "agent_profile.updated",
        agent,
        [*fields, *(["skills"] if skills is not None else [])],
    )
    return agent
