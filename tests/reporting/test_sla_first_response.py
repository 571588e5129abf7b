"""The first-response SLA, simple version: a queue's target sets when the first response is due;
the inbox list shows the clock and the dashboard counts conversations at risk and breached."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.errors import ValidationFailed
from inbox.models import Conversation
from reporting.selectors import live_dashboard
from routing.models import EntryState, QueueEntry
from routing.services import config
from routing.services.common import enqueue_entry
from tests.factories import ConversationFactory, QueueFactory

NOW = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0)


def queued(queue, *, opened_ago: timedelta, **fields) -> Conversation:
    conversation = ConversationFactory(
        tenant=queue.tenant, state="bot", opened_at=NOW - opened_ago, **fields
    )
    enqueue_entry(conversation, queue, now=NOW, reason="test")
    conversation.refresh_from_db()
    return conversation


def test_the_first_queue_with_a_target_sets_the_due_time_and_a_transfer_keeps_it(tenant_a):
    fast = QueueFactory(tenant=tenant_a, sla_first_response_s=120)
    slow = QueueFactory(tenant=tenant_a, sla_first_response_s=3600)
    conversation = queued(fast, opened_ago=timedelta(seconds=30))

    assert conversation.sla_due_at == conversation.opened_at + timedelta(seconds=120)
    QueueEntry.objects.filter(conversation=conversation).update(state=EntryState.ABANDONED)
    enqueue_entry(conversation, slow, now=NOW, reason="transfer")
    conversation.refresh_from_db()
    assert conversation.sla_due_at == conversation.opened_at + timedelta(seconds=120)


def test_a_queue_without_target_starts_no_clock(tenant_a):
    conversation = queued(QueueFactory(tenant=tenant_a), opened_ago=timedelta(seconds=5))

    assert conversation.sla_due_at is None and conversation.sla_state(NOW) == ""


@pytest.mark.parametrize(
    ("elapsed_s", "state"),
    [(30, "ok"), (95, "ok"), (97, "at_risk"), (120, "breached"), (500, "breached")],
)
def test_the_clock_is_ok_then_at_risk_at_80_percent_then_breached(tenant_a, elapsed_s, state):
    conversation = queued(
        QueueFactory(tenant=tenant_a, sla_first_response_s=120),
        opened_ago=timedelta(seconds=elapsed_s),
    )

    assert conversation.sla_state(NOW) == state


def test_an_answered_conversation_has_no_clock(tenant_a):
    conversation = queued(
        QueueFactory(tenant=tenant_a, sla_first_response_s=120), opened_ago=timedelta(minutes=10)
    )
    conversation.first_response_at = NOW

    assert conversation.sla_state(NOW) == ""


def test_the_dashboard_counts_at_risk_and_breached_by_queue_and_todays_ratio(tenant_a):
    billing = QueueFactory(tenant=tenant_a, name="Billing", sla_first_response_s=100)
    queued(billing, opened_ago=timedelta(seconds=10))  # ok
    queued(billing, opened_ago=timedelta(seconds=90))  # at risk
    queued(billing, opened_ago=timedelta(seconds=200))  # breached
    met = queued(billing, opened_ago=timedelta(minutes=30))
    Conversation.objects.filter(pk=met.pk).update(
        first_response_at=met.opened_at + timedelta(seconds=50)
    )
    late = queued(billing, opened_ago=timedelta(minutes=40))
    Conversation.objects.filter(pk=late.pk).update(
        first_response_at=late.opened_at + timedelta(seconds=300)
    )

    board = live_dashboard(tenant_a, now=NOW)

    row = next(q for q in board.queues if q.queue == billing)
    assert (row.sla_at_risk, row.sla_breached) == (1, 1)
    assert row.is_alert
    assert (board.sla_met_today, board.sla_due_today) == (1, 3)  # met; late and breached missed


def test_the_inbox_list_shows_the_sla_badge(alice_client, tenant_a):
    ConversationFactory(
        tenant=tenant_a,
        state="queued",
        opened_at=timezone.now() - timedelta(minutes=5),
        sla_due_at=timezone.now() - timedelta(minutes=4),
    )

    page = alice_client.get(reverse("inbox-list") + "?tab=queue").content.decode()

    assert "SLA breached" in page


def test_the_target_is_a_positive_number_of_seconds(alice, tenant_a):
    from contactcenter.accounts.models import Membership
    from contactcenter.accounts.permissions import Principal

    admin = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
    with pytest.raises(ValidationFailed, match="above 0"):
        config.create_queue(tenant_a, principal=admin, name="Zero", sla_first_response_s=0)
