"""Admins' writes of routing configuration: skills, queues, rules, business hours, agents.

Every public service requires Scope.CONFIG, checks its input (a `ValidationFailed` that says what
to do), writes the rows and one AuditEvent naming the changed fields, all in one transaction.
Forms and serializers only shape input; the rules live here so the pages and the API agree.
"""

import re
from collections.abc import Iterable, Sequence
from datetime import date
from zoneinfo import available_timezones

from django.db import transaction
from django.db.models import Max, Model

from contactcenter.accounts.models import Membership, Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.services import record_audit
from contactcenter.errors import Conflict, NotFound, ValidationFailed
from inbox.services.labels import ensure_labels
from routing.models import (
    AgentProfile,
    AgentSkill,
    AssignmentMode,
    BusinessHours,
    MaxWaitAction,
    Queue,
    QueueSkill,
    RoutingRule,
    Skill,
)
from routing.services.hours import DAYS

HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,4})?$")
MAX_CAPACITY = 50

SKILL_FIELDS = frozenset({"name", "description"})
QUEUE_FIELDS = frozenset(
    {
        "name",
        "priority",
        "languages",
        "assignment_mode",
        "offer_timeout_s",
        "overflow_after_s",
        "overflow_queue",
        "relaxed_min_proficiency",
        "max_wait_s",
        "max_wait_action",
        "business_hours",
        "requeue_on_offline",
        "agents_may_take",
        "sticky_window_s",
        "sla_first_response_s",
        "is_default",
    }
)
RULE_FIELDS = frozenset(
    {
        "name",
        "is_active",
        "channel_kinds",
        "languages",
        "contact_attributes",
        "keywords",
        "motives",
        "queue",
        "priority",
        "labels",
    }
)
HOURS_FIELDS = frozenset({"name", "time_zone", "weekly", "holidays"})
AGENT_FIELDS = frozenset({"languages", "channel_capacity", "max_total"})

SkillLevels = Iterable[tuple[Skill, int]]


# --- helpers (composed inside the public services' transactions) -------------------------------


def _audit(principal: Principal, action: str, target: Model, changed: Iterable[str]) -> None:
    record_audit(
        principal.tenant,
        actor=principal.user,
        actor_label=principal.label,
        action=action,
        target=target,
        data={"changed": sorted(changed)},
    )


def _apply(instance: Model, changes: dict, allowed: frozenset[str]) -> list[str]:
    """Sets the allowed fields; returns the names of those whose value really changed."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    changed = []
    for name, value in changes.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _check_name(tenant: Tenant, model: type[Model], instance: Model, what: str) -> None:
    name = (instance.name or "").strip()
    if not name:
        raise ValidationFailed(f"Give the {what} a name.")
    instance.name = name
    taken = model.objects.for_tenant(tenant).filter(name__iexact=name).exclude(pk=instance.pk)
    if taken.exists():
        raise ValidationFailed(f"A {what} named {name!r} already exists; choose another name.")


def _check_own(tenant: Tenant, obj: Model | None, what: str) -> None:
    if obj is not None and obj.tenant_id != tenant.pk:
        raise ValidationFailed(f"That {what} does not exist in this company; choose another.")


def _check_level(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise ValidationFailed(f"{what} is a whole number from 1 to 10 (got {value!r}).")
    return value


def _check_languages(languages: Sequence[str], what: str) -> list[str]:
    cleaned = []
    for code in languages or []:
        code = str(code).strip().lower()
        if not LANGUAGE.match(code):
            raise ValidationFailed(
                f"{code!r} is not a language code; {what} takes codes like en, pt or pt-br."
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _check_skill_levels(tenant: Tenant, skills: SkillLevels, what: str) -> list[tuple[Skill, int]]:
    checked, seen = [], set()
    for skill, level in skills:
        _check_own(tenant, skill, "skill")
        if skill.pk in seen:
            raise ValidationFailed(f"{skill.name} is listed twice; keep one {what} per skill.")
        seen.add(skill.pk)
        checked.append((skill, _check_level(level, f"The {what} in {skill.name}")))
    return checked


def _non_negative(value, what: str, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(f"{what} is a number of seconds, 0 or more.")


# --- skills ----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_skill(
    tenant: Tenant, *, principal: Principal, name: str, description: str = ""
) -> Skill:
    principal.require(Scope.CONFIG)
    skill = Skill(tenant=tenant, name=name, description=description or "")
    _check_name(tenant, Skill, skill, "skill")
    skill.save()
    _audit(principal, "skill.created", skill, ["name", "description"])
    return skill


@transaction.atomic(durable=True)
def update_skill(tenant: Tenant, *, principal: Principal, skill: Skill, **changes) -> Skill:
    principal.require(Scope.CONFIG)
    _check_own(tenant, skill, "skill")
    changed = _apply(skill, changes, SKILL_FIELDS)
    _check_name(tenant, Skill, skill, "skill")
    skill.save()
    _audit(principal, "skill.updated", skill, changed)
    return skill


@transaction.atomic(durable=True)
def delete_skill(tenant: Tenant, *, principal: Principal, skill: Skill) -> None:
    """Agents lose the skill and queues stop requiring it."""
    principal.require(Scope.CONFIG)
    _check_own(tenant, skill, "skill")
    _audit(principal, "skill.deleted", skill, ["name"])
    skill.delete()


# --- business hours --------------------------------------------------------------------------


def check_weekly(weekly) -> dict[str, list[list[str]]]:
    """{"mon": [["09:00", "12:00"], ["13:00", "18:00"]], ...}: ranges ordered, not overlapping."""
    if not isinstance(weekly, dict):
        raise ValidationFailed('Opening hours are per day, e.g. {"mon": [["09:00", "18:00"]]}.')
    cleaned = {}
    for day, ranges in weekly.items():
        if day not in DAYS:
            raise ValidationFailed(f"Unknown day {day!r}; use mon, tue, wed, thu, fri, sat, sun.")
        if not isinstance(ranges, list | tuple):
            raise ValidationFailed(f"Opening hours on {day} are a list of HH:MM-HH:MM ranges.")
        pairs = []
        for pair in ranges:
            if (
                not isinstance(pair, list | tuple)
                or len(pair) != 2
                or not all(isinstance(t, str) and HHMM.match(t) for t in pair)
            ):
                raise ValidationFailed(
                    f"Opening hours on {day} are HH:MM-HH:MM ranges, e.g. 09:00-18:00 "
                    f"(got {pair!r})."
                )
            if pair[0] >= pair[1]:
                raise ValidationFailed(
                    f"On {day}, {pair[0]}-{pair[1]} ends before it starts; put the start first."
                )
            pairs.append([pair[0], pair[1]])
        pairs.sort()
        for (_, end), (start, _) in zip(pairs, pairs[1:], strict=False):
            if start < end:
                raise ValidationFailed(f"On {day}, two ranges overlap at {start}; merge them.")
        if pairs:
            cleaned[day] = pairs
    return {day: cleaned[day] for day in DAYS if day in cleaned}


def check_time_zone(name: str) -> str:
    name = (name or "").strip()
    if name and name not in available_timezones():
        raise ValidationFailed(
            f"Unknown time zone {name!r}; use an IANA name like America/Sao_Paulo or "
            "Europe/Lisbon, or leave it empty for the company's."
        )
    return name


def check_holidays(holidays) -> list[date]:
    days = set()
    for day in holidays or []:
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day.strip())
            except ValueError:
                day = None
        if not isinstance(day, date):
            raise ValidationFailed("Holidays are dates written like 2026-12-25.")
        days.add(day)
    return sorted(days)


def _check_hours(tenant: Tenant, hours: BusinessHours) -> None:
    _check_name(tenant, BusinessHours, hours, "business hours")
    hours.time_zone = check_time_zone(hours.time_zone)
    hours.weekly = check_weekly(hours.weekly)
    hours.holidays = check_holidays(hours.holidays)


@transaction.atomic(durable=True)
def create_business_hours(
    tenant: Tenant,
    *,
    principal: Principal,
    name: str,
    time_zone: str = "",
    weekly: dict | None = None,
    holidays: Sequence = (),
) -> BusinessHours:
    principal.require(Scope.CONFIG)
    hours = BusinessHours(
        tenant=tenant, name=name, time_zone=time_zone, weekly=weekly or {}, holidays=holidays
    )
    _check_hours(tenant, hours)
    hours.save()
    _audit(principal, "business_hours.created", hours, HOURS_FIELDS)
    return hours


@transaction.atomic(durable=True)
def update_business_hours(
    tenant: Tenant, *, principal: Principal, hours: BusinessHours, **changes
) -> BusinessHours:
    principal.require(Scope.CONFIG)
    _check_own(tenant, hours, "business hours")
    changed = _apply(hours, changes, HOURS_FIELDS)
    _check_hours(tenant, hours)
    hours.save()
    _audit(principal, "business_hours.updated", hours, changed)
    return hours


@transaction.atomic(durable=True)
def delete_business_hours(tenant: Tenant, *, principal: Principal, hours: BusinessHours) -> None:
    """Queues that used them are open at all hours afterwards."""
    principal.require(Scope.CONFIG)
    _check_own(tenant, hours, "business hours")
    _audit(principal, "business_hours.deleted", hours, ["name"])
    hours.delete()


# --- queues ----------------------------------------------------------------------------------


def _check_queue(tenant: Tenant, queue: Queue) -> None:
    _check_name(tenant, Queue, queue, "queue")
    if queue.assignment_mode not in AssignmentMode.values:
        raise ValidationFailed("Assignment is auto (assign at once) or offer (the agent accepts).")
    if queue.max_wait_action not in MaxWaitAction.values:
        raise ValidationFailed("At maximum wait, choose keep, message or close.")
    if isinstance(queue.priority, bool) or not isinstance(queue.priority, int):
        raise ValidationFailed("Priority is a whole number; higher is served first.")
    if not 5 <= (queue.offer_timeout_s or 0) <= 3600:
        raise ValidationFailed("The offer timeout is from 5 to 3600 seconds.")
    _non_negative(queue.sticky_window_s, "The sticky window")
    _non_negative(queue.overflow_after_s, "Overflow after", allow_none=True)
    _non_negative(queue.max_wait_s, "The maximum wait", allow_none=True)
    if queue.sla_first_response_s is not None and not (
        isinstance(queue.sla_first_response_s, int) and queue.sla_first_response_s > 0
    ):
        raise ValidationFailed("The first-response target is a number of seconds above 0.")
    if queue.relaxed_min_proficiency is not None:
        _check_level(queue.relaxed_min_proficiency, "The relaxed minimum proficiency")
    queue.languages = _check_languages(queue.languages, "a queue's languages")
    _check_own(tenant, queue.business_hours, "business hours")
    _check_own(tenant, queue.overflow_queue, "overflow queue")
    overflows = queue.overflow_queue_id or queue.relaxed_min_proficiency
    if overflows and queue.overflow_after_s is None:
        raise ValidationFailed(
            "Set “overflow after (seconds)” too, or clear the overflow queue and relaxed level."
        )
    if queue.max_wait_action != MaxWaitAction.KEEP and queue.max_wait_s is None:
        raise ValidationFailed("Set the maximum wait (seconds) for the action to happen.")
    _check_overflow_chain(tenant, queue)


def _check_overflow_chain(tenant: Tenant, queue: Queue) -> None:
    """Overflow must not lead back to this queue (work would circle forever)."""
    targets = dict(
        Queue.objects.for_tenant(tenant)
        .exclude(overflow_queue=None)
        .values_list("pk", "overflow_queue_id")
    )
    if queue.pk is not None:
        targets[queue.pk] = queue.overflow_queue_id
    step, seen = queue.overflow_queue_id, set()
    while step is not None and step not in seen:
        if step == queue.pk:
            raise ValidationFailed(
                "Overflow leads back to this queue; choose an overflow queue that does not."
            )
        seen.add(step)
        step = targets.get(step)


def _take_default(tenant: Tenant, queue: Queue) -> None:
    """Only one default queue per tenant: the new one unsets the others (before saving)."""
    if queue.is_default:
        Queue.objects.for_tenant(tenant).filter(is_default=True).exclude(pk=queue.pk).update(
            is_default=False
        )


def _set_required_skills(tenant: Tenant, queue: Queue, skills: list[tuple[Skill, int]]) -> None:
    QueueSkill.objects.for_tenant(tenant).filter(queue=queue).delete()
    QueueSkill.objects.bulk_create(
        QueueSkill(tenant=tenant, queue=queue, skill=skill, min_proficiency=level)
        for skill, level in skills
    )


@transaction.atomic(durable=True)
def create_queue(
    tenant: Tenant,
    *,
    principal: Principal,
    name: str,
    required_skills: SkillLevels = (),
    **settings,
) -> Queue:
    """`settings` are Queue fields (QUEUE_FIELDS); `required_skills` is [(skill, min level)]."""
    principal.require(Scope.CONFIG)
    queue = Queue(tenant=tenant, name=name)
    _apply(queue, settings, QUEUE_FIELDS)
    _check_queue(tenant, queue)
    skills = _check_skill_levels(tenant, required_skills, "minimum proficiency")
    _take_default(tenant, queue)
    queue.save()
    _set_required_skills(tenant, queue, skills)
    _audit(principal, "queue.created", queue, {"name", *settings, "required_skills"})
    return queue


@transaction.atomic(durable=True)
def update_queue(
    tenant: Tenant,
    *,
    principal: Principal,
    queue: Queue,
    required_skills: SkillLevels | None = None,
    **changes,
) -> Queue:
    """Changes only what is given; `required_skills`, when given, replaces the whole set."""
    principal.require(Scope.CONFIG)
    _check_own(tenant, queue, "queue")
    changed = _apply(queue, changes, QUEUE_FIELDS)
    _check_queue(tenant, queue)
    if required_skills is not None:
        skills = _check_skill_levels(tenant, required_skills, "minimum proficiency")
        before = {(qs.skill_id, qs.min_proficiency) for qs in queue.queue_skills.all()}
        if before != {(s.pk, level) for s, level in skills}:
            changed.append("required_skills")
        _set_required_skills(tenant, queue, skills)
    _take_default(tenant, queue)
    queue.save()
    _audit(principal, "queue.updated", queue, changed)
    return queue


@transaction.atomic(durable=True)
def delete_queue(tenant: Tenant, *, principal: Principal, queue: Queue) -> None:
    """Only a queue that never held a conversation and no rule points to (history stays)."""
    principal.require(Scope.CONFIG)
    _check_own(tenant, queue, "queue")
    if queue.entries.exists():
        raise Conflict(
            f"{queue.name} has handled conversations and its history is kept; "
            "point its rules elsewhere and rename it instead."
        )
    rules = list(queue.rules.values_list("name", flat=True)[:3])
    if rules:
        raise Conflict(
            f"Rules send conversations to {queue.name} ({', '.join(rules)}); "
            "point them to another queue first."
        )
    _audit(principal, "queue.deleted", queue, ["name"])
    queue.delete()


# --- routing rules ---------------------------------------------------------------------------


def _check_words(values, what: str, max_length: int) -> list[str]:
    cleaned = []
    for value in values or []:
        value = str(value).strip()
        if not value or len(value) > max_length:
            raise ValidationFailed(f"Each of the {what} is 1 to {max_length} characters.")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _check_rule(tenant: Tenant, rule: RoutingRule) -> None:
    _check_name(tenant, RoutingRule, rule, "rule")
    if rule.queue_id is None:
        raise ValidationFailed("Choose the queue this rule sends conversations to.")
    _check_own(tenant, rule.queue, "queue")
    if rule.priority is not None and (
        isinstance(rule.priority, bool) or not isinstance(rule.priority, int)
    ):
        raise ValidationFailed("Priority is a whole number, or empty for the queue's.")
    rule.languages = _check_languages(rule.languages, "a rule's languages")
    rule.channel_kinds = _check_words(rule.channel_kinds, "channel kinds", 16)
    rule.keywords = [k.lower() for k in _check_words(rule.keywords, "keywords", 100)]
    rule.motives = _check_words(rule.motives, "motives", 100)
    rule.labels = _check_words(rule.labels, "labels", 50)
    ensure_labels(tenant, rule.labels)
    attributes = rule.contact_attributes or {}
    if not isinstance(attributes, dict) or not all(
        isinstance(k, str)
        and k
        and isinstance(v, list)
        and v
        and all(isinstance(x, str) for x in v)
        for k, v in attributes.items()
    ):
        raise ValidationFailed(
            'Contact attributes map a name to accepted values, e.g. {"tier": ["gold", "vip"]}.'
        )
    rule.contact_attributes = attributes


@transaction.atomic(durable=True)
def create_rule(tenant: Tenant, *, principal: Principal, name: str, queue: Queue, **settings):
    """A new rule is tried last; `reorder_rules` moves it."""
    principal.require(Scope.CONFIG)
    rule = RoutingRule(tenant=tenant, name=name, queue=queue)
    _apply(rule, settings, RULE_FIELDS)
    _check_rule(tenant, rule)
    last = RoutingRule.objects.for_tenant(tenant).aggregate(last=Max("position"))["last"]
    rule.position = 0 if last is None else last + 1
    rule.save()
    _audit(principal, "rule.created", rule, {"name", "queue", "position", *settings})
    return rule


@transaction.atomic(durable=True)
def update_rule(tenant: Tenant, *, principal: Principal, rule: RoutingRule, **changes):
    principal.require(Scope.CONFIG)
    _check_own(tenant, rule, "rule")
    changed = _apply(rule, changes, RULE_FIELDS)
    _check_rule(tenant, rule)
    rule.save()
    _audit(principal, "rule.updated", rule, changed)
    return rule


@transaction.atomic(durable=True)
def delete_rule(tenant: Tenant, *, principal: Principal, rule: RoutingRule) -> None:
    principal.require(Scope.CONFIG)
    _check_own(tenant, rule, "rule")
    _audit(principal, "rule.deleted", rule, ["name"])
    rule.delete()


@transaction.atomic(durable=True)
def reorder_rules(
    tenant: Tenant, *, principal: Principal, rule_ids: Sequence[int]
) -> list[RoutingRule]:
    """`rule_ids` is every rule of the tenant, first tried first."""
    principal.require(Scope.CONFIG)
    rules = _lock_rules(tenant)
    ids = [int(pk) for pk in rule_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(rules):
        raise ValidationFailed(
            "Send the ids of all this company's rules, each once, in the order to try them."
        )
    return _set_order(tenant, principal, rules, ids)


@transaction.atomic(durable=True)
def move_rule(
    tenant: Tenant, *, principal: Principal, rule: RoutingRule, offset: int
) -> list[RoutingRule]:
    """Moves one rule up (offset -1) or down (+1) in the order; at either end it stays."""
    principal.require(Scope.CONFIG)
    _check_own(tenant, rule, "rule")
    rules = _lock_rules(tenant)
    ids = sorted(rules, key=lambda pk: (rules[pk].position, pk))
    at = ids.index(rule.pk)
    to = min(max(at + offset, 0), len(ids) - 1)
    ids.insert(to, ids.pop(at))
    return _set_order(tenant, principal, rules, ids)


def _lock_rules(tenant: Tenant) -> dict[int, RoutingRule]:
    """Takes the row locks of all the tenant's rules, in primary-key order."""
    locked = RoutingRule.objects.for_tenant(tenant).select_for_update().order_by("pk")
    return {rule.pk: rule for rule in locked}


def _set_order(
    tenant: Tenant, principal: Principal, rules: dict[int, RoutingRule], ids: list[int]
) -> list[RoutingRule]:
    """The caller holds the rules' row locks; positions become 0..n-1 in `ids` order."""
    moved = []
    for position, pk in enumerate(ids):
        if rules[pk].position != position:
            rules[pk].position = position
            moved.append(rules[pk])
    RoutingRule.objects.bulk_update(moved, ["position"])
    record_audit(
        tenant,
        actor=principal.user,
        actor_label=principal.label,
        action="rule.reordered",
        data={"changed": ["position"], "order": ids},
    )
    return [rules[pk] for pk in ids]


# --- agent profiles --------------------------------------------------------------------------


@transaction.atomic(durable=True)
def ensure_agent_profile(tenant: Tenant, *, membership: Membership) -> AgentProfile:
    """The member's routing profile, made with defaults the first time (idempotent)."""
    if membership.tenant_id != tenant.pk:
        raise NotFound()
    profile, created = AgentProfile.objects.get_or_create(
        tenant=tenant,
        membership=membership,
        defaults={
            "user": membership.user,
            "languages": [tenant.default_language] if tenant.default_language else [],
            "channel_capacity": {"whatsapp": 4},
            "max_total": 5,
        },
    )
    if created:
        record_audit(
            tenant,
            actor=membership.user,
            action="agent_profile.created",
            target=profile,
            data={"changed": ["languages", "channel_capacity", "max_total"]},
        )
    return profile


def check_capacity(channel_capacity, max_total) -> dict[str, int]:
    if isinstance(max_total, bool) or not isinstance(max_total, int):
        raise ValidationFailed(f"Capacity is a whole number from 1 to {MAX_CAPACITY}.")
    if not 1 <= max_total <= MAX_CAPACITY:
        raise ValidationFailed(f"Capacity is from 1 to {MAX_CAPACITY} conversations at once.")
    if not isinstance(channel_capacity, dict):
        raise ValidationFailed(
            'Capacity per channel maps a channel kind to slots: {"whatsapp": 4}.'
        )
    cleaned = {}
    for kind, slots in channel_capacity.items():
        if not isinstance(kind, str) or not kind or len(kind) > 16:
            raise ValidationFailed("Capacity per channel is keyed by a channel kind like whatsapp.")
        if isinstance(slots, bool) or not isinstance(slots, int) or not 0 <= slots <= max_total:
            raise ValidationFailed(
                f"Slots for {kind} are from 0 to the agent's total capacity ({max_total})."
            )
        cleaned[kind] = slots
    return cleaned


@transaction.atomic(durable=True)
def update_agent_profile(
    tenant: Tenant,
    *,
    principal: Principal,
    agent: AgentProfile,
    skills: SkillLevels | None = None,
    **changes,
) -> AgentProfile:
    """Languages, capacities (`max_total`, `channel_capacity`) and, when given, the whole set of
    skills with proficiency 1-10."""
    principal.require(Scope.CONFIG)
    _check_own(tenant, agent, "agent")
    changed = _apply(agent, changes, AGENT_FIELDS)
    agent.languages = _check_languages(agent.languages, "an agent's languages")
    agent.channel_capacity = check_capacity(agent.channel_capacity, agent.max_total)
    agent.save(update_fields=["languages", "channel_capacity", "max_total"])
    if skills is not None:
        levels = _check_skill_levels(tenant, skills, "proficiency")
        before = {(s.skill_id, s.proficiency) for s in agent.agent_skills.all()}
        if before != {(s.pk, level) for s, level in levels}:
            changed.append("skills")
        AgentSkill.objects.for_tenant(tenant).filter(agent=agent).delete()
        AgentSkill.objects.bulk_create(
            AgentSkill(tenant=tenant, agent=agent, skill=skill, proficiency=level)
            for skill, level in levels
        )
    _audit(principal, "agent_profile.updated", agent, changed)
    return agent
