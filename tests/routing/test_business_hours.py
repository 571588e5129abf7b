"""Business hours in the tenant's time zone, holidays, and closed queues that keep waiting."""

from datetime import UTC, date, datetime

from routing.services.engine import assign_waiting
from routing.services.hours import is_open
from tests.factories import BusinessHoursFactory, QueueFactory

from .conftest import agent, event_types, waiting


def test_open_and_closed_in_the_tenants_time_zone(tenant_a):
    tenant_a.time_zone = "America/Sao_Paulo"  # UTC-3
    tenant_a.save()
    hours = BusinessHoursFactory(tenant=tenant_a, weekly={"wed": [["09:00", "18:00"]]})
    # Wednesday 11:59 UTC = 08:59 in São Paulo; 12:00 UTC = 09:00.
    assert not is_open(hours, datetime(2026, 3, 4, 11, 59, tzinfo=UTC))
    assert is_open(hours, datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    assert is_open(hours, datetime(2026, 3, 4, 20, 59, tzinfo=UTC))
    assert not is_open(hours, datetime(2026, 3, 4, 21, 0, tzinfo=UTC))
    assert not is_open(hours, datetime(2026, 3, 5, 13, 0, tzinfo=UTC))  # Thursday: closed


def test_own_time_zone_split_shift_and_holiday(tenant_a):
    hours = BusinessHoursFactory(
        tenant=tenant_a,
        time_zone="Europe/Madrid",  # UTC+1 in March
        weekly={"wed": [["09:00", "13:00"], ["15:00", "24:00"]]},
        holidays=[date(2026, 3, 11)],
    )
    assert is_open(hours, datetime(2026, 3, 4, 11, 0, tzinfo=UTC))  # 12:00 local
    assert not is_open(hours, datetime(2026, 3, 4, 13, 0, tzinfo=UTC))  # 14:00: lunch
    assert is_open(hours, datetime(2026, 3, 4, 22, 59, tzinfo=UTC))  # 23:59 local
    assert not is_open(hours, datetime(2026, 3, 11, 11, 0, tzinfo=UTC))  # holiday


def test_closed_queue_waits_until_opening(tenant_a, channel):
    hours = BusinessHoursFactory(
        tenant=tenant_a, time_zone="UTC", weekly={"wed": [["09:00", "17:00"]]}
    )
    queue = QueueFactory(tenant=tenant_a, business_hours=hours)
    agent(tenant_a)
    night = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    conversation = waiting(tenant_a, queue, channel=channel, at=night)

    assert assign_waiting(tenant_a, now=night).claimed == 0
    conversation.refresh_from_db()
    assert conversation.state == "queued"
    queued = conversation.events.get(type="queued")
    assert queued.data["business_hours"] == "closed"

    assign_waiting(tenant_a, now=datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    conversation.refresh_from_db()
    assert conversation.state == "assigned"
    assert event_types(conversation) == ["queued", "assigned"]
