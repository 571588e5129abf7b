"""Demo data of the other apps, called by seed_demo; each issue adds its part here."""

from contactcenter.accounts.models import Tenant


def seed_demo_extras(tenant: Tenant) -> None:
    """Channels, queues and sample conversations of the demo tenant (idempotent)."""
