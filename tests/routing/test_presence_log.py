"""Every presence change is logged with how long the previous state lasted (occupancy)."""

from datetime import timedelta

from django.utils import timezone

from routing.models import PresenceChange
from routing.services.presence import set_presence
from tests.factories import AgentProfileFactory


def test_presence_changes_are_logged_with_the_time_spent_in_the_previous_state(tenant_a):
    start = timezone.now()
    agent = AgentProfileFactory(tenant=tenant_a, presence="offline", presence_since=start)

    set_presence(tenant_a, agent=agent, presence="available", now=start + timedelta(minutes=1))
    set_presence(tenant_a, agent=agent, presence="away", now=start + timedelta(minutes=31))
    set_presence(tenant_a, agent=agent, presence="away", now=start + timedelta(minutes=40))

    log = list(PresenceChange.objects.for_tenant(tenant_a).order_by("at"))
    assert [(c.previous, c.presence, c.previous_duration_s) for c in log] == [
        ("offline", "available", 60),
        ("available", "away", 1800),
    ]
