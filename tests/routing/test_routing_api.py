"""Routing configuration over REST: admins write (audited), agents cannot, tenants stay apart."""

import pytest
from django.urls import reverse

from contactcenter.accounts.models import AuditEvent, Membership
from routing.models import AgentProfile, AgentSkill, BusinessHours, Queue
from tests.factories import AgentProfileFactory, QueueFactory, SkillFactory

JSON = {"content_type": "application/json"}


def test_admin_creates_a_queue_with_required_skills_and_it_is_audited(alice_client, tenant_a):
    billing = SkillFactory(tenant=tenant_a, name="billing")

    response = alice_client.post(
        reverse("api-routing-queue-list"),
        {
            "name": "Billing",
            "priority": 2,
            "skills": [{"skill": billing.pk, "level": 6}],
            "is_default": True,
        },
        **JSON,
    )

    assert response.status_code == 201, response.content
    queue = Queue.objects.for_tenant(tenant_a).get(name="Billing")
    assert [(s.skill_id, s.min_proficiency) for s in queue.queue_skills.all()] == [(billing.pk, 6)]
    assert response.json()["skills"] == [{"skill": billing.pk, "level": 6}]
    assert AuditEvent.objects.filter(tenant=tenant_a, action="queue.created").exists()


def test_a_second_default_queue_takes_over_from_the_first(alice_client, tenant_a):
    first = QueueFactory(tenant=tenant_a, is_default=True)

    alice_client.post(
        reverse("api-routing-queue-list"), {"name": "New", "is_default": True}, **JSON
    )

    first.refresh_from_db()
    assert not first.is_default


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
        },
        **JSON,
    )

    assert bad_time.status_code == 400 and "HH:MM" in bad_time.json()["message"]
    assert bad_zone.status_code == 400 and "time zone" in bad_zone.json()["message"]
    assert good.status_code == 201
    assert BusinessHours.objects.for_tenant(tenant_a).count() == 1


def test_admin_sets_an_agents_skills_and_proficiency_is_bounded(alice_client, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a)
    tech = SkillFactory(tenant=tenant_a, name="tech")
    url = reverse("api-routing-agent-detail", args=[agent.pk])

    too_high = alice_client.patch(url, {"skills": [{"skill": tech.pk, "level": 11}]}, **JSON)
    ok = alice_client.patch(
        url, {"skills": [{"skill": tech.pk, "level": 9}], "max_total": 3}, **JSON
    )

    assert too_high.status_code == 400
    assert ok.status_code == 200, ok.content
    assert AgentSkill.objects.get(agent=agent).proficiency == 9
    agent.refresh_from_db()
    assert agent.max_total == 3


def test_agents_cannot_change_routing_but_may_set_their_own_presence(bob_client, bob, tenant_a):
    assert (
        bob_client.post(reverse("api-routing-skill-list"), {"name": "x"}, **JSON).status_code == 403
    )
    assert bob_client.get(reverse("api-routing-queue-list")).status_code == 403

    response = bob_client.post(reverse("api-routing-presence"), {"presence": "available"}, **JSON)

    assert response.status_code == 200
    membership = Membership.objects.get(user=bob, tenant=tenant_a)
    assert AgentProfile.objects.get(membership=membership).presence == "available"


@pytest.mark.parametrize("name", ["skill", "queue", "rule", "hours", "agent"])
def test_another_companys_objects_are_not_found(name, alice_client, tenant_b):
    from tests.test_cross_tenant_urls import CASES

    kwargs = CASES[f"api-routing-{name}-detail"](tenant_b)

    assert alice_client.get(reverse(f"api-routing-{name}-detail", kwargs=kwargs)).status_code == 404


def test_a_rule_cannot_point_to_another_companys_queue(alice_client, tenant_b):
    foreign = QueueFactory(tenant=tenant_b)

    response = alice_client.post(
        reverse("api-routing-rule-list"),
        {"name": "r", "queue": foreign.pk, "keywords": ["x"]},
        **JSON,
    )

    assert response.status_code == 400
