"""The beat sweep: expiry, deadlines, silent agents, then assignment, in one idempotent pass."""

from datetime import timedelta

import pytest
from django.utils import timezone

from routing.models import Offer, OfferState
from routing.tasks import assign_waiting_task, route_conversation_task, sweep
from tests.factories import ConversationFactory, QueueFactory

from .conftest import agent, waiting


def test_sweep_expires_offers_and_assigns_waiting_work(tenant_a, channel):
    now = timezone.now()
    offers = QueueFactory(tenant=tenant_a, assignment_mode="offer", offer_timeout_s=5)
    plain = QueueFactory(tenant=tenant_a)
    slow = agent(tenant_a, last_heartbeat_at=now, idle_since=now - timedelta(hours=1))
    offered = waiting(tenant_a, offers, channel=channel, at=now - timedelta(minutes=1))
    assign_waiting_task(tenant_a.pk)
    Offer.objects.filter(conversation=offered).update(expires_at=now - timedelta(seconds=1))
    fresh = agent(tenant_a, last_heartbeat_at=now)
    plain_conversation = waiting(tenant_a, plain, channel=channel)

    result = sweep()

    assert result["expired_offers"] == 1
    slow.refresh_from_db()
    assert slow.presence == "away"
    plain_conversation.refresh_from_db()
    assert plain_conversation.state == "assigned"
    assert Offer.objects.get(conversation=offered, state=OfferState.PENDING).agent_id == fresh.pk


def test_route_task_routes_and_ignores_unknown_ids(tenant_a, channel):
    QueueFactory(tenant=tenant_a, is_default=True)
    conversation = ConversationFactory(tenant=tenant_a, channel=channel)
    assert route_conversation_task(conversation.pk) is not None
    assert route_conversation_task(10**9) is None


@pytest.mark.parametrize("tenant_id", [10**9])
def test_assign_task_for_unknown_tenant_does_nothing(db, tenant_id):
    assert assign_waiting_task(tenant_id) == 0
