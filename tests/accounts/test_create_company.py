"""An operator creates the first company of a production install and its admin takes over."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contactcenter.accounts.models import AuditEvent, Membership, Role, Tenant

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-fresh-passphrase-2026"


def _create(**extra) -> str:
    out = StringIO()
    args = ["--name", "Acme Telecom", "--admin-email", "Boss@Acme.test", "--time-zone"]
    call_command("create_company", *args, "America/Sao_Paulo", *extra.get("more", []), stdout=out)
    return out.getvalue()


def test_the_admin_sets_a_password_through_the_printed_link_then_must_enrol_mfa(client):
    printed = _create()
    tenant = Tenant.objects.get(slug="acme-telecom")
    assert tenant.time_zone == "America/Sao_Paulo" and tenant.require_mfa
    membership = Membership.objects.get(tenant=tenant)
    assert membership.role == Role.ADMIN and membership.user.email == "boss@acme.test"
    assert not membership.user.has_usable_password()  # nothing secret printed or stored
    assert AuditEvent.objects.filter(tenant=tenant, action="company.created").exists()

    link = re.search(r"/accounts/password/reset/\S+/", printed).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302

    signed_in = client.post(
        "/accounts/login/", {"email": "boss@acme.test", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith("/accounts/mfa/enrol/")


def test_the_link_works_once(client):
    printed = _create()
    link = re.search(r"/accounts/password/reset/\S+/", printed).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert b"new_password1" not in again.content


def test_a_taken_slug_or_unknown_time_zone_is_refused_with_a_reason():
    _create()
    with pytest.raises(CommandError, match="exists already"):
        _create()
    with pytest.raises(CommandError, match="Unknown time zone"):
        call_command(
            "create_company", "--name", "X", "--admin-email", "x@x.test", "--time-zone", "Mars/Base"
        )
    assert Tenant.objects.count() == 1
