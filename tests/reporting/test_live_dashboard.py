"""The supervisor's live dashboard: queues, agents and today's first response, per tenant."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from reporting.selectors import BACKLOG_ALERT, live_dashboard
from routing.models import EntryState, QueueEntry
from tests.factories import (
    AgentProfileFactory,
    AgentSkillFactory,
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
)

NOW = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)


def wait_in(queue, *, since: timedelta):
    conversation = ConversationFactory(tenant=queue.tenant, state="queued")
    return QueueEntry.objects.create(
        tenant=queue.tenant,
        conversation=conversation,
        queue=queue,
        entered_at=NOW - since,
        state=EntryState.WAITING,
    )


def answered(tenant, *, after: timedelta):
    return ConversationFactory(
        tenant=tenant,
        state="assigned",
        opened_at=NOW - timedelta(hours=1),
        first_response_at=NOW - timedelta(hours=1) + after,
    )


def test_queue_tiles_count_waiting_longest_wait_and_skilled_agents(tenant_a):
    billing = QueueFactory(tenant=tenant_a, name="Billing")
    skill = QueueSkillFactory(queue=billing).skill
    wait_in(billing, since=timedelta(minutes=2))
    wait_in(billing, since=timedelta(minutes=7))
    skilled = AgentProfileFactory(tenant=tenant_a, presence="available")
    AgentSkillFactory(agent=skilled, skill=skill)
    AgentProfileFactory(tenant=tenant_a, presence="available")  # lacks the skill
    away = AgentProfileFactory(tenant=tenant_a, presence="away")
    AgentSkillFactory(agent=away, skill=skill)

    board = live_dashboard(tenant_a, now=NOW)

    [tile] = board.queues
    assert (tile.waiting, tile.available, tile.away) == (2, 1, 1)
    assert tile.longest_wait == timedelta(minutes=7)
    assert tile.is_alert  # waiting longer than five minutes


def test_backlog_alone_raises_an_alert(tenant_a):
    queue = QueueFactory(tenant=tenant_a)
    for _ in range(BACKLOG_ALERT):
        wait_in(queue, since=timedelta(seconds=5))

    assert live_dashboard(tenant_a, now=NOW).alerts[0].queue == queue


def test_first_response_p50_and_p90_cover_todays_conversations_only(tenant_a):
    for seconds in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100):
        answered(tenant_a, after=timedelta(seconds=seconds))
    ConversationFactory(
        tenant=tenant_a,
        opened_at=NOW - timedelta(days=2),
        first_response_at=NOW - timedelta(days=2) + timedelta(hours=3),
    )

    board = live_dashboard(tenant_a, now=NOW)

    assert board.answered_today == 10
    assert board.frt_p50 == timedelta(seconds=55)
    assert board.frt_p90 == timedelta(seconds=91)


def test_agent_rows_show_load_against_capacity_and_time_in_state(tenant_a):
    agent = AgentProfileFactory(
        tenant=tenant_a, presence="busy", presence_since=NOW - timedelta(minutes=3), max_total=4
    )
    ConversationFactory(tenant=tenant_a, assignee=agent.user, state="assigned")

    [row] = live_dashboard(tenant_a, now=NOW).agents

    assert (row.load, row.capacity, row.time_in_state) == (1, 4, timedelta(minutes=3))


def test_another_tenants_queues_and_agents_never_appear(tenant_a, tenant_b):
    wait_in(QueueFactory(tenant=tenant_b), since=timedelta(minutes=9))
    AgentProfileFactory(tenant=tenant_b)

    board = live_dashboard(tenant_a, now=NOW)

    assert board.queues == [] and board.agents == [] and board.open_conversations == 0


def test_the_page_is_for_supervisors_and_renders_hostile_names_inert(
    alice_client, bob_client, tenant_a
):
    QueueFactory(tenant=tenant_a, name="<script>alert(1)</script>")

    page = alice_client.get(reverse("dashboard")).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert bob_client.get(reverse("dashboard")).status_code == 403
