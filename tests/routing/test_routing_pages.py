"""Routing admin pages: admins create and edit queues, skills, agents, rules and business hours
(audited); agents get the 403 page; another company's ids are not found."""

import pytest
from django.urls import reverse

from contactcenter.accounts.models import AuditEvent
from routing.models import AgentSkill, BusinessHours, Queue, RoutingRule, Skill
from tests.factories import (
    AgentProfileFactory,
    BusinessHoursFactory,
    QueueFactory,
    QueueSkillFactory,
    RoutingRuleFactory,
    SkillFactory,
)

QUEUE_FORM = {
    "name": "Billing",
    "priority": 1,
    "assignment_mode": "offer",
    "offer_timeout_s": 30,
    "languages": "pt, EN",
    "max_wait_action": "keep",
    "sticky_window_s": 0,
    "requeue_on_offline": "on",
}


def actions(tenant) -> list[str]:
    return list(
        AuditEvent.objects.filter(tenant=tenant).order_by("id").values_list("action", flat=True)
    )


def test_admin_adds_a_skill_and_a_queue_that_requires_it(alice_client, tenant_a):
    response = alice_client.post(reverse("routing-skills"), {"name": "billing"})
    skill = Skill.objects.for_tenant(tenant_a).get(name="billing")

    created = alice_client.post(
        reverse("routing-queue-create"), {**QUEUE_FORM, f"skill_{skill.pk}": 6}
    )

    assert response.status_code == 302 and created.status_code == 302
    queue = Queue.objects.for_tenant(tenant_a).get(name="Billing")
    assert (queue.assignment_mode, queue.languages) == ("offer", ["pt", "en"])
    assert [(qs.skill, qs.min_proficiency) for qs in queue.queue_skills.all()] == [(skill, 6)]
    page = alice_client.get(reverse("routing-admin")).content.decode()
    assert "billing ≥ 6" in page
    assert actions(tenant_a) == ["skill.created", "queue.created"]


def test_admin_edits_a_queue_and_the_new_default_replaces_the_old(alice_client, tenant_a):
    old_default = QueueFactory(tenant=tenant_a, is_default=True)
    queue = QueueFactory(tenant=tenant_a, name="Tech")
    tech = SkillFactory(tenant=tenant_a, name="tech")
    QueueSkillFactory(queue=queue, skill=tech, min_proficiency=3)
    url = reverse("routing-queue-edit", args=[queue.pk])

    form = alice_client.get(url)
    response = alice_client.post(
        url, {**QUEUE_FORM, "name": "Tech", "is_default": "on", f"skill_{tech.pk}": ""}
    )

    assert form.status_code == 200 and 'value="Tech"' in form.content.decode()
    assert response.status_code == 302
    queue.refresh_from_db()
    old_default.refresh_from_db()
    assert queue.is_default and not old_default.is_default
    assert not queue.queue_skills.exists()
    assert "queue.updated" in actions(tenant_a)


def test_a_queue_service_refusal_shows_on_the_form(alice_client, tenant_a):
    spill = QueueFactory(tenant=tenant_a)

    response = alice_client.post(
        reverse("routing-queue-create"), {**QUEUE_FORM, "overflow_queue": spill.pk}
    )

    assert response.status_code == 200
    assert "overflow after (seconds)" in response.content.decode()
    assert not Queue.objects.for_tenant(tenant_a).filter(name="Billing").exists()


def test_admin_deletes_a_skill(alice_client, tenant_a):
    skill = SkillFactory(tenant=tenant_a, name="legacy")

    response = alice_client.post(reverse("routing-skill-delete", args=[skill.pk]))

    assert response.status_code == 302
    assert not Skill.objects.for_tenant(tenant_a).exists()
    assert actions(tenant_a) == ["skill.deleted"]


def test_admin_sets_an_agents_skills_languages_and_capacity(alice_client, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a)
    tech = SkillFactory(tenant=tenant_a, name="tech")
    SkillFactory(tenant=tenant_a, name="billing")
    url = reverse("routing-agent-edit", args=[agent.pk])

    listed = alice_client.get(reverse("routing-agents"))
    response = alice_client.post(
        url, {"languages": "es, pt", "max_total": 3, "capacity_whatsapp": 2, f"skill_{tech.pk}": 8}
    )

    assert agent.user.full_name in listed.content.decode()
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.languages, agent.max_total, agent.channel_capacity) == (
        ["es", "pt"],
        3,
        {"whatsapp": 2},
    )
    assert AgentSkill.objects.get(agent=agent).proficiency == 8
    assert actions(tenant_a) == ["agent_profile.updated"]


def test_an_agent_capacity_above_the_limit_is_explained(alice_client, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a, max_total=5)

    response = alice_client.post(
        reverse("routing-agent-edit", args=[agent.pk]), {"languages": "en", "max_total": 80}
    )

    assert response.status_code == 200
    assert "Capacity is from 1 to 50" in response.content.decode()
    agent.refresh_from_db()
    assert agent.max_total == 5


def test_admin_creates_edits_moves_and_deletes_rules(alice_client, tenant_a):
    queue = QueueFactory(tenant=tenant_a, name="Billing")
    for name in ("boleto", "vip"):
        alice_client.post(
            reverse("routing-rule-create"),
            {
                "name": name,
                "queue": queue.pk,
                "is_active": "on",
                "keywords": "Boleto, invoice",
                "contact_attributes": "tier=gold, platinum",
            },
        )
    boleto, vip = RoutingRule.objects.for_tenant(tenant_a).order_by("position")

    edited = alice_client.post(
        reverse("routing-rule-edit", args=[boleto.pk]),
        {"name": "boleto", "queue": queue.pk, "keywords": "boleto", "priority": 4},
    )
    moved = alice_client.post(
        reverse("routing-rule-move", args=[vip.pk]), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    deleted = alice_client.post(reverse("routing-rule-delete", args=[boleto.pk]))

    assert boleto.keywords == ["boleto", "invoice"]
    assert boleto.contact_attributes == {"tier": ["gold", "platinum"]}
    assert edited.status_code == 302
    assert moved.status_code == 200 and 'id="rules"' in moved.content.decode()
    assert "<html" not in moved.content.decode()
    assert deleted.status_code == 302
    assert list(RoutingRule.objects.for_tenant(tenant_a)) == [vip]
    vip.refresh_from_db()
    assert vip.position == 0
    assert actions(tenant_a) == [
        "rule.created",
        "rule.created",
        "rule.updated",
        "rule.reordered",
        "rule.deleted",
    ]
    assert "vip" in alice_client.get(reverse("routing-rules")).content.decode()


def test_a_malformed_contact_attribute_line_is_explained(alice_client, tenant_a):
    queue = QueueFactory(tenant=tenant_a)

    response = alice_client.post(
        reverse("routing-rule-create"),
        {"name": "r", "queue": queue.pk, "contact_attributes": "tier gold"},
    )

    assert response.status_code == 200
    assert "name=value1, value2" in response.content.decode()


def test_admin_creates_and_edits_business_hours(alice_client, tenant_a):
    response = alice_client.post(
        reverse("routing-hours-create"),
        {
            "name": "Office",
            "time_zone": "America/Sao_Paulo",
            "mon": "9:00-12:00, 13:00-18:00",
            "sat": "10:00-14:00",
            "holidays": "2026-12-25",
        },
    )
    hours = BusinessHours.objects.for_tenant(tenant_a).get(name="Office")
    edited = alice_client.post(
        reverse("routing-hours-edit", args=[hours.pk]),
        {"name": "Office", "time_zone": "", "mon": "08:00-17:00"},
    )

    assert response.status_code == 302 and edited.status_code == 302
    hours.refresh_from_db()
    assert (hours.weekly, hours.time_zone, hours.holidays) == (
        {"mon": [["08:00", "17:00"]]},
        "",
        [],
    )
    assert actions(tenant_a) == ["business_hours.created", "business_hours.updated"]
    assert "Office" in alice_client.get(reverse("routing-hours")).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mon": "9-18"}, "Write opening hours as HH:MM-HH:MM"),
        ({"mon": "09:00-25:00"}, "HH:MM-HH:MM ranges"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"holidays": "christmas"}, "like 2026-12-25"),
    ],
)
def test_business_hours_mistakes_are_explained(alice_client, tenant_a, fields, message):
    response = alice_client.post(reverse("routing-hours-create"), {"name": "Office", **fields})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BusinessHours.objects.for_tenant(tenant_a).exists()


PAGES = [
    ("routing-admin", None),
    ("routing-queue-create", None),
    ("routing-skills", None),
    ("routing-agents", None),
    ("routing-rules", None),
    ("routing-rule-create", None),
    ("routing-hours", None),
    ("routing-hours-create", None),
    ("routing-queue-edit", QueueFactory),
    ("routing-agent-edit", AgentProfileFactory),
    ("routing-rule-edit", RoutingRuleFactory),
    ("routing-hours-edit", BusinessHoursFactory),
]


@pytest.mark.parametrize(("name", "factory"), PAGES)
def test_admin_pages_open(alice_client, tenant_a, name, factory):
    args = [factory(tenant=tenant_a).pk] if factory else []

    response = alice_client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert 'style="' not in response.content.decode()


WRITES = [
    ("routing-skills", None, {"name": "x"}),
    ("routing-queue-create", None, QUEUE_FORM),
    ("routing-rule-create", None, {"name": "x"}),
    ("routing-hours-create", None, {"name": "x"}),
    ("routing-skill-delete", SkillFactory, {}),
    ("routing-queue-edit", QueueFactory, QUEUE_FORM),
    ("routing-agent-edit", AgentProfileFactory, {"max_total": 9}),
    ("routing-rule-edit", RoutingRuleFactory, {"name": "x"}),
    ("routing-rule-move", RoutingRuleFactory, {"direction": "up"}),
    ("routing-rule-delete", RoutingRuleFactory, {}),
    ("routing-hours-edit", BusinessHoursFactory, {"name": "x"}),
]


@pytest.mark.parametrize(("name", "factory", "data"), WRITES)
def test_agents_get_the_403_page(bob_client, tenant_a, name, factory, data):
    args = [factory(tenant=tenant_a).pk] if factory else []

    page = bob_client.get(reverse(name, args=args))
    post = bob_client.post(reverse(name, args=args), data)

    assert page.status_code in (403, 405)
    assert post.status_code == 403
    assert "text/html" in post["Content-Type"]
    assert not AuditEvent.objects.filter(tenant=tenant_a).exists()


@pytest.mark.parametrize(("name", "factory", "data"), [w for w in WRITES if w[1]])
def test_another_companys_objects_are_not_found(alice_client, tenant_b, name, factory, data):
    target = factory(tenant=tenant_b)

    response = alice_client.post(reverse(name, args=[target.pk]), data)

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(tenant=tenant_b).exists()
