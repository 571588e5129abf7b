"""The routing admin page: skills, queues and agents' skills, for admins only."""

from django.urls import reverse

from contactcenter.accounts.models import AuditEvent
from routing.models import AgentSkill, Queue, Skill
from tests.factories import AgentProfileFactory, SkillFactory


def test_admin_adds_a_skill_and_a_queue_that_requires_it(alice_client, tenant_a):
    alice_client.post(reverse("routing-add-skill"), {"name": "billing"})
    skill = Skill.objects.for_tenant(tenant_a).get(name="billing")

    alice_client.post(
        reverse("routing-add-queue"),
        {
            "name": "Billing",
            "priority": 1,
            "assignment_mode": "offer",
            "skill": skill.pk,
            "level": 6,
        },
    )

    queue = Queue.objects.for_tenant(tenant_a).get(name="Billing")
    assert queue.assignment_mode == "offer"
    assert [(qs.skill, qs.min_proficiency) for qs in queue.queue_skills.all()] == [(skill, 6)]
    page = alice_client.get(reverse("routing-admin")).content.decode()
    assert "billing ≥ 6" in page
    assert AuditEvent.objects.filter(tenant=tenant_a, action="queue.created").exists()


def test_admin_sets_an_agents_skill_level_and_capacity(alice_client, tenant_a):
    agent = AgentProfileFactory(tenant=tenant_a)
    skill = SkillFactory(tenant=tenant_a, name="tech")

    alice_client.post(
        reverse("routing-agent-skill", args=[agent.pk]),
        {"skill": skill.pk, "level": 8, "max_total": 3},
    )

    agent.refresh_from_db()
    assert AgentSkill.objects.get(agent=agent).proficiency == 8 and agent.max_total == 3


def test_agents_cannot_open_or_change_routing(bob_client, tenant_a):
    assert bob_client.get(reverse("routing-admin")).status_code == 403
    assert bob_client.post(reverse("routing-add-skill"), {"name": "x"}).status_code == 403
    assert not Skill.objects.for_tenant(tenant_a).exists()
