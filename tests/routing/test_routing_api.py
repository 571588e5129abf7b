"""Routing configuration over REST: admins write (audited), supervisors read, agents cannot,
another company's ids are not found; agents set their own presence."""

import pytest
from django.test import Client
from django.urls import reverse

from contactcenter.accounts.models import AuditEvent, Membership, Role
from routing.models import AgentProfile, AgentSkill, BusinessHours, Queue, RoutingRule, Skill
from tests.conftest import signed_in_client
from tests.factories import (
    AgentProfileFactory,
    BusinessHoursFactory,
    MembershipFactory,
    QueueFactory,
    SkillFactory,
    UserFactory,
    enrol_totp,
)

JSON = {"content_type": "application/json"}


def audited(tenant, action: str) -> list[dict]:
    return list(
        AuditEvent.objects.filter(tenant=tenant, action=action).values_list("data", flat=True)
    )


def test_admin_creates_edits_and_deletes_a_skill(alice_client, tenant_a):
    created = alice_client.post(
        reverse("api-routing-skill-list"), {"name": "billing", "description": "Invoices"}, **JSON
    )
    url = reverse("api-routing-skill-detail", args=[created.json()["id"]])

    renamed = alice_client.patch(url, {"name": "Billing"}, **JSON)
    listed = alice_client.get(reverse("api-routing-skill-list"))
    deleted = alice_client.delete(url)

    assert created.status_code == 201, created.content
    assert renamed.json()["name"] == "Billing"
    assert [s["name"] for s in listed.json()] == ["Billing"]
    assert deleted.status_code == 204
    assert not Skill.objects.for_tenant(tenant_a).exists()
    assert audited(tenant_a, "skill.updated") == [{"changed": ["name"]}]
    assert len(audited(tenant_a, "skill.deleted")) == 1


def test_admin_creates_a_queue_with_required_skills_and_it_is_audited(alice_client, tenant_a):
    billing = SkillFactory(tenant=tenant_a, name="billing")
    hours = BusinessHoursFactory(tenant=tenant_a)

    response = alice_client.post(
        reverse("api-routing-queue-list"),
        {
            "name": "Billing",
            "priority": 2,
            "required_skills": [{"skill": billing.pk, "min_proficiency": 6}],
            "languages": ["pt"],
            "assignment_mode": "offer",
            "offer_timeout_s": 40,
            "business_hours": hours.pk,
            "is_default": True,
        },
        **JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["required_skills"] == [
        {"skill": billing.pk, "skill_name": "billing", "min_proficiency": 6}
    ]
    assert (body["business_hours"], body["offer_timeout_s"], body["is_default"]) == (
        hours.pk,
        40,
        True,
    )
    queue = Queue.objects.for_tenant(tenant_a).get(name="Billing")
    assert [(s.skill_id, s.min_proficiency) for s in queue.queue_skills.all()] == [(billing.pk, 6)]
    assert len(audited(tenant_a, "queue.created")) == 1


def test_admin_edits_a_queue_and_only_named_fields_change(alice_client, tenant_a):
    queue = QueueFactory(tenant=tenant_a, priority=1)
    tech = SkillFactory(tenant=tenant_a, name="tech")
    url = reverse("api-routing-queue-detail", args=[queue.pk])

    response = alice_client.patch(
        url,
        {"sticky_window_s": 900, "required_skills": [{"skill": tech.pk, "min_proficiency": 4}]},
        **JSON,
    )

    assert response.status_code == 200, response.content
    assert response.json()["required_skills"][0]["min_proficiency"] == 4
    queue.refresh_from_db()
    assert (queue.sticky_window_s, queue.priority) == (900, 1)
    assert audited(tenant_a, "queue.updated") == [
        {"changed": ["required_skills", "sticky_window_s"]}
    ]


def test_a_second_default_queue_takes_over_from_the_first(alice_client, tenant_a):
    first = QueueFactory(tenant=tenant_a, is_default=True)

    response = alice_client.post(
        reverse("api-routing-queue-list"), {"name": "New", "is_default": True}, **JSON
    )

    assert response.status_code == 201
    first.refresh_from_db()
    assert not first.is_default


def test_a_required_skill_level_of_11_is_refused_with_a_clear_message(alice_client, tenant_a):
    tech = SkillFactory(tenant=tenant_a, name="tech")

    response = alice_client.post(
        reverse("api-routing-queue-list"),
        {"name": "Tech", "required_skills": [{"skill": tech.pk, "min_proficiency": 11}]},
        **JSON,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "from 1 to 10" in response.json()["message"]
    assert not Queue.objects.for_tenant(tenant_a).exists()


def test_a_queue_that_held_rules_is_not_deleted(alice_client, tenant_a):
    queue = QueueFactory(tenant=tenant_a)
    RoutingRule.objects.create(tenant=tenant_a, name="vip", queue=queue)
    spare = QueueFactory(tenant=tenant_a)

    refused = alice_client.delete(reverse("api-routing-queue-detail", args=[queue.pk]))
    deleted = alice_client.delete(reverse("api-routing-queue-detail", args=[spare.pk]))

    assert refused.status_code == 409 and "vip" in refused.json()["message"]
    assert deleted.status_code == 204
    assert list(Queue.objects.for_tenant(tenant_a)) == [queue]


def test_business_hours_are_checked_with_a_clear_message(alice_client, tenant_a):
    url = reverse("api-routing-hours-list")
    bad_time = alice_client.post(
        url, {"name": "Office", "weekly": {"mon": [["9:00", "18:00"]]}}, **JSON
    )
    bad_zone = alice_client.post(url, {"name": "Office", "time_zone": "Mars/Olympus"}, **JSON)
    good = alice_client.post(
        url,
        {
            "name": "Office",
            "time_zone": "America/Sao_Paulo",
            "weekly": {"mon": [["09:00", "12:00"], ["13:00", "18:00"]]},
            "holidays": ["2026-12-25"],
        },
        **JSON,
    )
    edited = alice_client.patch(
        reverse("api-routing-hours-detail", args=[good.json()["id"]]),
        {"weekly": {"sat": [["10:00", "14:00"]]}},
        **JSON,
    )

    assert bad_time.status_code == 400 and "HH:MM" in bad_time.json()["message"]
    assert bad_zone.status_code == 400 and "Unknown time zone" in bad_zone.json()["message"]
    assert good.status_code == 201, good.content
    assert edited.json()["weekly"] == {"sat": [["10:00", "14:00"]]}
    assert BusinessHours.objects.for_tenant(tenant_a).count() == 1
    assert audited(tenant_a, "business_hours.updated") == [{"changed": ["weekly"]}]


def test_admin_creates_edits_reorders_and_deletes_rules(alice_client, tenant_a):
    queue = QueueFactory(tenant=tenant_a)
    url = reverse("api-routing-rule-list")
    first = alice_client.post(
        url, {"name": "boleto", "queue": queue.pk, "keywords": ["Boleto"]}, **JSON
    ).json()
    second = alice_client.post(
        url, {"name": "vip", "queue": queue.pk, "contact_attributes": {"tier": ["gold"]}}, **JSON
    ).json()

    edited = alice_client.patch(
        reverse("api-routing-rule-detail", args=[first["id"]]), {"priority": 3}, **JSON
    )
    reordered = alice_client.post(
        reverse("api-routing-rule-reorder"), {"ids": [second["id"], first["id"]]}, **JSON
    )
    deleted = alice_client.delete(reverse("api-routing-rule-detail", args=[second["id"]]))

    assert (first["position"], second["position"], first["keywords"]) == (0, 1, ["boleto"])
    assert edited.json()["priority"] == 3
    assert [(r["name"], r["position"]) for r in reordered.json()] == [("vip", 0), ("boleto", 1)]
    assert deleted.status_code == 204
    assert [r.name for r in RoutingRule.objects.for_tenant(tenant_a)] == ["boleto"]
    assert {e["changed"][0] for e in audited(tenant_a, "rule.reordered")} == {"position"}


def test_a_rule_cannot_point_to_another_companys_queue(alice_client, tenant_b):
    foreign = QueueFactory(tenant=tenant_b)

    response = alice_client.post(
        reverse("api-routing-rule-list"),
        {"name": "r", "queue": foreign.pk, "keywords": ["x"]},
        **JSON,
    )

    assert response.status_code == 400
    assert "queue" in response.json()["extra"]["fields"]


def test_admin_sets_an_agents_skills_and_proficiency_is_bounded(alice_client, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a)
    tech = SkillFactory(tenant=tenant_a, name="tech")
    url = reverse("api-routing-agent-detail", args=[agent.pk])

    too_high = alice_client.patch(url, {"skills": [{"skill": tech.pk, "proficiency": 11}]}, **JSON)
    ok = alice_client.patch(
        url,
        {
            "skills": [{"skill": tech.pk, "proficiency": 9}],
            "max_total": 3,
            "channel_capacity": {"whatsapp": 2},
            "languages": ["pt", "en"],
        },
        **JSON,
    )

    assert too_high.status_code == 400 and "from 1 to 10" in too_high.json()["message"]
    assert ok.status_code == 200, ok.content
    assert ok.json()["skills"] == [{"skill": tech.pk, "skill_name": "tech", "proficiency": 9}]
    assert AgentSkill.objects.get(agent=agent).proficiency == 9
    agent.refresh_from_db()
    assert (agent.max_total, agent.channel_capacity, agent.languages) == (
        3,
        {"whatsapp": 2},
        ["pt", "en"],
    )
    assert len(audited(tenant_a, "agent_profile.updated")) == 1


def test_agent_profiles_cannot_be_created_or_deleted_over_the_api(alice_client, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a)

    assert alice_client.post(reverse("api-routing-agent-list"), {}, **JSON).status_code == 405
    url = reverse("api-routing-agent-detail", args=[agent.pk])
    assert alice_client.delete(url).status_code == 405


def test_supervisors_read_but_do_not_write(tenant_a):
    supervisor = UserFactory(email="sue@a.test")
    MembershipFactory(tenant=tenant_a, user=supervisor, role=Role.SUPERVISOR)
    enrol_totp(supervisor)
    client = signed_in_client(supervisor)
    AgentProfileFactory(tenant=tenant_a)
    QueueFactory(tenant=tenant_a, name="Sales")

    agents = client.get(reverse("api-routing-agent-list"))
    queues = client.get(reverse("api-routing-queue-list"))
    write = client.post(reverse("api-routing-skill-list"), {"name": "x"}, **JSON)

    assert agents.status_code == 200 and len(agents.json()) == 1
    assert [q["name"] for q in queues.json()] == ["Sales"]
    assert write.status_code == 403 and write.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("post", "api-routing-skill-list", {"name": "x"}),
        ("post", "api-routing-queue-list", {"name": "x"}),
        ("post", "api-routing-rule-list", {"name": "x"}),
        ("post", "api-routing-hours-list", {"name": "x"}),
        ("post", "api-routing-rule-reorder", {"ids": []}),
        ("get", "api-routing-queue-list", None),
        ("get", "api-routing-agent-list", None),
    ],
)
def test_agents_get_403_json(bob_client, tenant_a, method, name, data):
    response = getattr(bob_client, method)(reverse(name), data, **JSON)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(tenant=tenant_a).exists()


def test_agents_cannot_edit_their_own_profile(bob_client, bob, tenant_a):
    membership = Membership.objects.get(user=bob, tenant=tenant_a)
    agent = AgentProfileFactory(tenant=tenant_a, membership=membership, max_total=5)

    url = reverse("api-routing-agent-detail", args=[agent.pk])
    response = bob_client.patch(url, {"max_total": 50}, **JSON)

    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.max_total == 5


def test_an_agent_sets_their_own_presence(bob_client, bob, tenant_a):
    response = bob_client.post(reverse("api-routing-presence"), {"presence": "available"}, **JSON)
    again = bob_client.post(reverse("api-routing-presence"), {"presence": "away"}, **JSON)
    bad = bob_client.post(reverse("api-routing-presence"), {"presence": "asleep"}, **JSON)

    assert response.status_code == 200 and response.json() == {"presence": "available"}
    assert again.json() == {"presence": "away"}
    assert bad.status_code == 400
    membership = Membership.objects.get(user=bob, tenant=tenant_a)
    assert AgentProfile.objects.get(membership=membership).presence == "away"
    assert AgentProfile.objects.for_tenant(tenant_a).count() == 1


DETAIL_CALLS = [
    (name, method)
    for name in ("skill", "queue", "rule", "hours", "agent")
    for method in ("get", "patch", "delete")
    if (name, method) != ("agent", "delete")
]


@pytest.mark.parametrize(("name", "method"), DETAIL_CALLS)
def test_another_companys_objects_are_not_found(name, method, alice_client, tenant_b):
    from tests.test_cross_tenant_urls import CASES

    url = reverse(
        f"api-routing-{name}-detail", kwargs=CASES[f"api-routing-{name}-detail"](tenant_b)
    )

    response = getattr(alice_client, method)(url, {"name": "mine"}, **JSON)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def _token_client(alice_client, scopes) -> Client:
    created = alice_client.post(
        reverse("api-tokens"), {"name": "CRM", "scopes": scopes}, content_type="application/json"
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {created.json()['token']}")


def test_a_config_token_reads_and_writes_without_the_dashboard_scope(alice_client, tenant_a):
    crm = _token_client(alice_client, ["config:write"])

    created = crm.post(reverse("api-routing-skill-list"), {"name": "billing"}, **JSON)
    listed = crm.get(reverse("api-routing-skill-list"))

    assert created.status_code == 201 and [s["name"] for s in listed.json()] == ["billing"]
    [event] = AuditEvent.objects.filter(tenant=tenant_a, action="skill.created")
    assert event.actor_label.startswith("token:")


def test_a_token_has_no_presence_of_its_own(alice_client, tenant_a):
    crm = _token_client(alice_client, ["inbox:write"])

    response = crm.post(reverse("api-routing-presence"), {"presence": "available"}, **JSON)

    assert response.status_code == 403 and "sign in as the agent" in response.json()["message"]
    assert not AgentProfile.objects.for_tenant(tenant_a).exists()
