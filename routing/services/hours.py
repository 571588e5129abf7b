"""Business hours: is a queue open at a given instant, in its (or its tenant's) time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from routing.models import BusinessHours

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def is_open(business_hours: BusinessHours | None, at: datetime, *, tenant_tz: str = "") -> bool:
    """No business hours means always open; holidays close the whole local day."""
    if business_hours is None:
        return True
    zone = business_hours.time_zone or tenant_tz or business_hours.tenant.time_zone or "UTC"
    local = at.astimezone(ZoneInfo(zone))
    if local.date() in set(business_hours.holidays or []):
        return False
    minute = local.hour * 60 + local.minute + local.second / 60
    for start, end in business_hours.weekly.get(DAYS[local.weekday()], []):
        if _minutes(start) <= minute < _minutes(end):
            return True
    return False
