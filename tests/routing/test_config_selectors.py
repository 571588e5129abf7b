"""Routing configuration lists: one company's rows only, in a fixed number of queries."""

from django.urls import reverse

from routing import selectors
from tests.factories import (
    AgentProfileFactory,
    AgentSkillFactory,
    BusinessHoursFactory,
    QueueFactory,
    QueueSkillFactory,
    RoutingRuleFactory,
    SkillFactory,
)


def _company(tenant, n: int = 3) -> None:
    hours = BusinessHoursFactory(tenant=tenant)
    for _ in range(n):
        skill = SkillFactory(tenant=tenant)
        queue = QueueFactory(tenant=tenant, business_hours=hours)
        QueueSkillFactory(queue=queue, skill=skill)
        RoutingRuleFactory(tenant=tenant, queue=queue)
        AgentSkillFactory(agent=AgentProfileFactory(tenant=tenant), skill=skill)


def test_each_list_holds_only_the_companys_rows(tenant_a, tenant_b):
    _company(tenant_a, 2)
    _company(tenant_b, 3)

    for selector in (selectors.skills, selectors.queues, selectors.rules, selectors.agents):
        rows = list(selector(tenant_a))
        assert len(rows) == 2 and {r.tenant_id for r in rows} == {tenant_a.pk}
    assert [h.queue_count for h in selectors.business_hours(tenant_a)] == [2]
    assert [s.agent_count for s in selectors.skills_with_use(tenant_a)] == [1, 1]


def test_queue_list_with_skills_hours_and_overflow_is_two_queries(
    tenant_a, django_assert_max_num_queries
):
    _company(tenant_a, 5)

    with django_assert_max_num_queries(2):
        queues = list(selectors.queues(tenant_a))
        names = [
            (q.business_hours.name, [s.skill.name for s in q.queue_skills.all()]) for q in queues
        ]

    assert len(names) == 5


def test_agent_list_with_users_and_skills_is_two_queries(tenant_a, django_assert_max_num_queries):
    _company(tenant_a, 5)

    with django_assert_max_num_queries(2):
        agents = list(selectors.agents(tenant_a))
        rows = [
            (a.user.email, a.membership.role, [s.skill.name for s in a.agent_skills.all()])
            for a in agents
        ]

    assert len(rows) == 5


def test_rule_skill_and_hours_lists_are_one_query_each(tenant_a, django_assert_max_num_queries):
    _company(tenant_a, 5)

    with django_assert_max_num_queries(1):
        assert len([r.queue.name for r in selectors.rules(tenant_a)]) == 5
    with django_assert_max_num_queries(1):
        assert (
            len([(s.agent_count, s.queue_count) for s in selectors.skills_with_use(tenant_a)]) == 5
        )
    with django_assert_max_num_queries(1):
        assert len([h.queue_count for h in selectors.business_hours(tenant_a)]) == 1


def test_list_pages_and_endpoints_do_not_grow_with_rows(
    alice_client, tenant_a, django_assert_max_num_queries
):
    _company(tenant_a, 2)
    pages = ["routing-admin", "routing-skills", "routing-agents", "routing-rules", "routing-hours"]
    endpoints = [f"api-routing-{n}-list" for n in ("skill", "queue", "rule", "hours", "agent")]
    counts = {}
    for name in pages + endpoints:
        with django_assert_max_num_queries(30) as few:
            alice_client.get(reverse(name))
        counts[name] = len(few.captured_queries)

    _company(tenant_a, 6)

    for name in pages + endpoints:
        with django_assert_max_num_queries(counts[name], info=name):
            assert alice_client.get(reverse(name)).status_code == 200
