"""Routing configuration services: every write is checked, audited with the changed fields, and
refused without the config scope."""

from datetime import date

import pytest

from contactcenter.accounts.models import AuditEvent, Membership, Role
from contactcenter.accounts.permissions import Principal
from contactcenter.errors import Conflict, Forbidden, NotFound, ValidationFailed
from routing.models import AgentProfile, AgentSkill, Queue, QueueEntry, RoutingRule, Skill
from routing.services import config
from tests.factories import (
    AgentProfileFactory,
    BusinessHoursFactory,
    ConversationFactory,
    MembershipFactory,
    QueueFactory,
    SkillFactory,
)


@pytest.fixture
def admin(alice, tenant_a) -> Principal:
    return Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))


@pytest.fixture
def agent_principal(bob, tenant_a) -> Principal:
    return Principal.for_membership(Membership.objects.get(user=bob, tenant=tenant_a))


def audits(tenant, action: str) -> list[dict]:
    return list(
        AuditEvent.objects.filter(tenant=tenant, action=action)
        .order_by("id")
        .values_list("data", flat=True)
    )


def test_skill_is_created_renamed_and_deleted_with_audit(admin, tenant_a):
    skill = config.create_skill(tenant_a, principal=admin, name=" billing ", description="Invoices")

    config.update_skill(
        tenant_a, principal=admin, skill=skill, name="Billing", description="Invoices"
    )
    config.delete_skill(tenant_a, principal=admin, skill=skill)

    assert skill.name == "Billing"
    assert not Skill.objects.for_tenant(tenant_a).exists()
    assert audits(tenant_a, "skill.created") == [{"changed": ["description", "name"]}]
    assert audits(tenant_a, "skill.updated") == [{"changed": ["name"]}]
    assert audits(tenant_a, "skill.deleted") == [{"changed": ["name"]}]


def test_a_skill_name_is_unique_within_a_company_only(admin, tenant_a, tenant_b):
    SkillFactory(tenant=tenant_a, name="billing")
    SkillFactory(tenant=tenant_b, name="tech")

    with pytest.raises(ValidationFailed, match="already exists; choose another name"):
        config.create_skill(tenant_a, principal=admin, name="Billing")
    config.create_skill(tenant_a, principal=admin, name="tech")

    assert Skill.objects.for_tenant(tenant_a).count() == 2


def test_agents_cannot_write_configuration(agent_principal, tenant_a):
    with pytest.raises(Forbidden):
        config.create_skill(tenant_a, principal=agent_principal, name="billing")
    with pytest.raises(Forbidden):
        config.create_queue(tenant_a, principal=agent_principal, name="Sales")
    with pytest.raises(Forbidden):
        config.create_business_hours(tenant_a, principal=agent_principal, name="Office")

    assert not AuditEvent.objects.filter(tenant=tenant_a).exists()


def test_queue_is_created_with_required_skills_and_settings(admin, tenant_a):
    billing = SkillFactory(tenant=tenant_a, name="billing")
    hours = BusinessHoursFactory(tenant=tenant_a)

    queue = config.create_queue(
        tenant_a,
        principal=admin,
        name="Billing",
        required_skills=[(billing, 6)],
        languages=["PT", "en", "pt"],
        assignment_mode="offer",
        offer_timeout_s=45,
        business_hours=hours,
        sticky_window_s=3600,
        max_wait_s=600,
        max_wait_action="close",
    )

    queue.refresh_from_db()
    assert queue.languages == ["pt", "en"]
    assert (queue.assignment_mode, queue.offer_timeout_s, queue.business_hours) == (
        "offer",
        45,
        hours,
    )
    assert [(qs.skill, qs.min_proficiency) for qs in queue.queue_skills.all()] == [(billing, 6)]
    [data] = audits(tenant_a, "queue.created")
    assert {"required_skills", "business_hours", "max_wait_action"} <= set(data["changed"])


def test_a_second_default_queue_unsets_the_first(admin, tenant_a, tenant_b):
    first = QueueFactory(tenant=tenant_a, is_default=True)
    other_company = QueueFactory(tenant=tenant_b, is_default=True)
    second = QueueFactory(tenant=tenant_a)

    config.update_queue(tenant_a, principal=admin, queue=second, is_default=True)
    third = config.create_queue(tenant_a, principal=admin, name="Third", is_default=True)

    defaults = list(Queue.objects.for_tenant(tenant_a).filter(is_default=True))
    assert defaults == [third]
    other_company.refresh_from_db()
    assert other_company.is_default
    assert audits(tenant_a, "queue.updated") == [{"changed": ["is_default"]}]
    first.refresh_from_db()
    assert not first.is_default


def test_required_skill_levels_are_1_to_10(admin, tenant_a):
    tech = SkillFactory(tenant=tenant_a, name="tech")

    with pytest.raises(ValidationFailed, match="tech is a whole number from 1 to 10"):
        config.create_queue(tenant_a, principal=admin, name="Tech", required_skills=[(tech, 11)])
    with pytest.raises(ValidationFailed, match="listed twice"):
        config.create_queue(
            tenant_a, principal=admin, name="Tech", required_skills=[(tech, 2), (tech, 3)]
        )

    assert not Queue.objects.for_tenant(tenant_a).exists()


def test_queue_settings_that_cannot_work_are_refused(admin, tenant_a, tenant_b):
    spill = QueueFactory(tenant=tenant_a)
    a = QueueFactory(tenant=tenant_a, overflow_queue=spill, overflow_after_s=60)

    with pytest.raises(ValidationFailed, match="overflow after"):
        config.create_queue(tenant_a, principal=admin, name="X", overflow_queue=spill)
    with pytest.raises(ValidationFailed, match="leads back to this queue"):
        config.update_queue(
            tenant_a, principal=admin, queue=spill, overflow_queue=a, overflow_after_s=30
        )
    with pytest.raises(ValidationFailed, match="maximum wait"):
        config.create_queue(tenant_a, principal=admin, name="X", max_wait_action="close")
    with pytest.raises(ValidationFailed, match="offer timeout"):
        config.create_queue(tenant_a, principal=admin, name="X", offer_timeout_s=0)
    with pytest.raises(ValidationFailed, match="does not exist in this company"):
        config.create_queue(
            tenant_a,
            principal=admin,
            name="X",
            business_hours=BusinessHoursFactory(tenant=tenant_b),
        )
    with pytest.raises(ValidationFailed, match="cannot be set here: is_deleted"):
        config.update_queue(tenant_a, principal=admin, queue=a, is_deleted=True)


def test_replacing_required_skills_is_audited_only_when_they_change(admin, tenant_a):
    tech = SkillFactory(tenant=tenant_a, name="tech")
    queue = config.create_queue(tenant_a, principal=admin, name="Tech", required_skills=[(tech, 3)])

    config.update_queue(tenant_a, principal=admin, queue=queue, required_skills=[(tech, 3)])
    config.update_queue(tenant_a, principal=admin, queue=queue, required_skills=[(tech, 7)])

    assert audits(tenant_a, "queue.updated") == [{"changed": []}, {"changed": ["required_skills"]}]
    assert queue.queue_skills.get().min_proficiency == 7


def test_a_queue_with_history_or_rules_is_not_deleted(admin, tenant_a):
    used = QueueFactory(tenant=tenant_a)
    QueueEntry.objects.create(
        tenant=tenant_a, conversation=ConversationFactory(tenant=tenant_a), queue=used
    )
    ruled = QueueFactory(tenant=tenant_a)
    RoutingRule.objects.create(tenant=tenant_a, name="vip", queue=ruled)
    spare = QueueFactory(tenant=tenant_a)

    with pytest.raises(Conflict, match="history is kept"):
        config.delete_queue(tenant_a, principal=admin, queue=used)
    with pytest.raises(Conflict, match="vip"):
        config.delete_queue(tenant_a, principal=admin, queue=ruled)
    config.delete_queue(tenant_a, principal=admin, queue=spare)

    assert set(Queue.objects.for_tenant(tenant_a)) == {used, ruled}
    assert len(audits(tenant_a, "queue.deleted")) == 1


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({"mon": [["9:00", "18:00"]]}, "HH:MM-HH:MM"),
        ({"mon": [["09:00", "25:00"]]}, "HH:MM-HH:MM"),
        ({"mon": [["18:00", "09:00"]]}, "put the start first"),
        ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlap at 12:00"),
        ({"monday": [["09:00", "18:00"]]}, "use mon, tue"),
        ({"mon": "09:00-18:00"}, "list of HH:MM-HH:MM"),
    ],
)
def test_weekly_hours_are_checked_with_a_clear_message(admin, tenant_a, weekly, message):
    with pytest.raises(ValidationFailed, match=message):
        config.create_business_hours(tenant_a, principal=admin, name="Office", weekly=weekly)


def test_business_hours_need_a_real_time_zone_and_dates(admin, tenant_a):
    with pytest.raises(ValidationFailed, match="Unknown time zone 'Mars/Olympus'"):
        config.create_business_hours(tenant_a, principal=admin, name="O", time_zone="Mars/Olympus")
    with pytest.raises(ValidationFailed, match="like 2026-12-25"):
        config.create_business_hours(tenant_a, principal=admin, name="O", holidays=["25/12"])


def test_business_hours_are_saved_in_day_order_and_audited(admin, tenant_a):
    hours = config.create_business_hours(
        tenant_a,
        principal=admin,
        name="Office",
        time_zone="America/Sao_Paulo",
        weekly={"sat": [["09:00", "13:00"]], "mon": [["13:00", "18:00"], ["08:00", "12:00"]]},
        holidays=["2026-12-25", date(2026, 1, 1)],
    )

    config.update_business_hours(tenant_a, principal=admin, hours=hours, time_zone="")

    hours.refresh_from_db()
    assert list(hours.weekly) == ["mon", "sat"]
    assert hours.weekly["mon"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert hours.holidays == [date(2026, 1, 1), date(2026, 12, 25)]
    assert hours.time_zone == ""
    assert audits(tenant_a, "business_hours.updated") == [{"changed": ["time_zone"]}]


def test_new_rules_go_last_and_can_be_reordered_and_moved(admin, tenant_a):
    queue = QueueFactory(tenant=tenant_a)
    first, second, third = (
        config.create_rule(tenant_a, principal=admin, name=n, queue=queue, keywords=["Boleto"])
        for n in ("first", "second", "third")
    )

    assert [first.position, second.position, third.position] == [0, 1, 2]
    assert first.keywords == ["boleto"]
    config.reorder_rules(tenant_a, principal=admin, rule_ids=[third.pk, first.pk, second.pk])
    config.move_rule(tenant_a, principal=admin, rule=second, offset=-1)

    order = RoutingRule.objects.for_tenant(tenant_a).order_by("position")
    assert [r.name for r in order] == ["third", "second", "first"]
    assert len(audits(tenant_a, "rule.reordered")) == 2


def test_reordering_needs_every_rule_once(admin, tenant_a, tenant_b):
    queue = QueueFactory(tenant=tenant_a)
    rule = config.create_rule(tenant_a, principal=admin, name="r", queue=queue)
    foreign = RoutingRule.objects.create(
        tenant=tenant_b, name="x", queue=QueueFactory(tenant=tenant_b)
    )

    with pytest.raises(ValidationFailed, match="each once"):
        config.reorder_rules(tenant_a, principal=admin, rule_ids=[rule.pk, foreign.pk])
    with pytest.raises(ValidationFailed, match="each once"):
        config.reorder_rules(tenant_a, principal=admin, rule_ids=[])


def test_a_rule_is_checked_updated_and_deleted(admin, tenant_a, tenant_b):
    queue = QueueFactory(tenant=tenant_a)
    with pytest.raises(ValidationFailed, match="does not exist in this company"):
        config.create_rule(tenant_a, principal=admin, name="r", queue=QueueFactory(tenant=tenant_b))
    with pytest.raises(ValidationFailed, match="Contact attributes map a name"):
        config.create_rule(
            tenant_a, principal=admin, name="r", queue=queue, contact_attributes={"tier": "gold"}
        )
    rule = config.create_rule(tenant_a, principal=admin, name="r", queue=queue)

    config.update_rule(
        tenant_a, principal=admin, rule=rule, contact_attributes={"tier": ["gold"]}, priority=5
    )
    config.delete_rule(tenant_a, principal=admin, rule=rule)

    assert audits(tenant_a, "rule.updated") == [{"changed": ["contact_attributes", "priority"]}]
    assert audits(tenant_a, "rule.deleted") == [{"changed": ["name"]}]
    assert not RoutingRule.objects.for_tenant(tenant_a).exists()


def test_ensure_agent_profile_is_idempotent_with_defaults(tenant_a, bob):
    tenant_a.default_language = "pt"
    tenant_a.save()
    membership = Membership.objects.get(user=bob, tenant=tenant_a)

    first = config.ensure_agent_profile(tenant_a, membership=membership)
    again = config.ensure_agent_profile(tenant_a, membership=membership)

    assert first.pk == again.pk
    assert AgentProfile.objects.for_tenant(tenant_a).count() == 1
    assert (first.languages, first.channel_capacity, first.max_total) == (
        ["pt"],
        {"whatsapp": 4},
        5,
    )
    assert first.user == bob
    assert len(audits(tenant_a, "agent_profile.created")) == 1


def test_ensure_agent_profile_refuses_another_companys_member(tenant_a, tenant_b):
    outsider = MembershipFactory(tenant=tenant_b, role=Role.AGENT)

    with pytest.raises(NotFound):
        config.ensure_agent_profile(tenant_a, membership=outsider)


def test_admin_sets_an_agents_skills_languages_and_capacity(admin, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a)
    tech = SkillFactory(tenant=tenant_a, name="tech")

    config.update_agent_profile(
        tenant_a,
        principal=admin,
        agent=agent,
        skills=[(tech, 9)],
        languages=["es"],
        max_total=3,
        channel_capacity={"whatsapp": 2},
    )

    agent.refresh_from_db()
    assert (agent.languages, agent.max_total, agent.channel_capacity) == (
        ["es"],
        3,
        {"whatsapp": 2},
    )
    assert AgentSkill.objects.get(agent=agent).proficiency == 9
    [data] = audits(tenant_a, "agent_profile.updated")
    assert data == {"changed": ["channel_capacity", "languages", "max_total", "skills"]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"skills": "tech:11"}, "from 1 to 10"),
        ({"skills": "tech:0"}, "from 1 to 10"),
        ({"max_total": 0}, "from 1 to 50"),
        ({"channel_capacity": {"whatsapp": 9}}, "from 0 to the agent's total capacity"),
        ({"languages": ["english!"]}, "not a language code"),
    ],
)
def test_agent_profile_values_out_of_range_are_refused(admin, tenant_a, changes, message):
    agent = AgentProfileFactory(tenant=tenant_a, max_total=5)
    if "skills" in changes:
        name, level = changes["skills"].split(":")
        changes = {"skills": [(SkillFactory(tenant=tenant_a, name=name), int(level))]}

    with pytest.raises(ValidationFailed, match=message):
        config.update_agent_profile(tenant_a, principal=admin, agent=agent, **changes)

    assert not AgentSkill.objects.filter(agent=agent).exists()
