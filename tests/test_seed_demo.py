"""`make run` seeds the demo company: running it again changes nothing and loses nothing."""

from django.core.management import call_command

from contactcenter.accounts.models import Membership, Tenant
from inbox.models import CannedResponse, Label
from routing.models import Queue, RoutingRule


def test_the_demo_seed_is_complete_and_idempotent(db, settings):
    settings.SANDBOX_ENABLED = True
    call_command("seed_demo")
    call_command("seed_demo")

    tenant = Tenant.objects.get(slug="demo")
    assert tenant.csat_survey
    assert Membership.objects.filter(tenant=tenant).count() >= 4
    assert set(Label.objects.filter(tenant=tenant).values_list("name", flat=True)) >= {
        "VIP",
        "Billing",
    }
    assert CannedResponse.objects.filter(tenant=tenant, shortcut="hello").count() == 1
    assert Queue.objects.get(tenant=tenant, name="Billing").sla_first_response_s == 120
    assert RoutingRule.objects.get(tenant=tenant, name="Billing keywords").labels == ["Billing"]
