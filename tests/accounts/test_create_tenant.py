"""An operator creates a company on a production install; its first admin is invited by e-mail."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from contactcenter.accounts.models import AuditEvent, Invitation, Membership, Role, Tenant
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-fresh-passphrase-2026"
ACME = ["--name", "Acme Telecom", "--time-zone", "America/Sao_Paulo", "--language", "pt"]


def create_tenant(*args: str, admin: str = "Boss@Acme.test") -> str:
    out = StringIO()
    call_command("create_tenant", *args, "--admin-email", admin, stdout=out)
    return out.getvalue()


def refused(*args: str, admin: str = "boss@acme.test") -> CommandError:
    with pytest.raises(CommandError) as caught:
        create_tenant(*args, admin=admin)
    return caught.value


def test_the_company_is_created_and_its_admin_invited_by_a_mail_the_worker_sends(
    django_capture_on_commit_callbacks, eager_tasks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        printed = create_tenant(*ACME)

    tenant = Tenant.objects.get(slug="acme-telecom")
    assert (tenant.name, tenant.time_zone, tenant.default_language) == (
        "Acme Telecom",
        "America/Sao_Paulo",
        "pt",
    )
    assert tenant.require_mfa and not Membership.objects.filter(tenant=tenant).exists()
    assert "created" in printed and "boss@acme.test" in printed
    assert "/accounts/invitations/" not in printed  # the link goes only to the admin's inbox
    [message] = mail.outbox
    assert message.to == ["boss@acme.test"]
    assert message.subject == "Você foi convidado a Acme Telecom"  # the company's language
    link = re.search(r"https?://[^/\s]+(/accounts/invitations/\S+/)", message.body).group(1)
    assert AuditEvent.objects.filter(tenant=tenant, action="tenant.created").exists()
    invitation = Invitation.objects.get(tenant=tenant)
    assert invitation.invited_by is None and invitation.role == Role.ADMIN

    accepted = client.post(
        link,
        {"full_name": "Boss", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    membership = Membership.objects.get(tenant=tenant, user__email="boss@acme.test")
    assert membership.role == Role.ADMIN
    assert accepted["Location"] == "/accounts/mfa/enrol/"  # admins always set up MFA first


def test_running_it_again_changes_nothing_and_says_so():
    create_tenant(*ACME)

    again = create_tenant(*ACME, admin="boss@acme.test")

    assert "exists already" in again and "Nothing changed" in again
    assert Tenant.objects.count() == 1 and Invitation.objects.count() == 1
    assert Invitation.objects.get().revoked_at is None  # the first link still works


def test_an_admin_already_in_the_company_is_left_as_is():
    create_tenant(*ACME)
    tenant = Tenant.objects.get()
    MembershipFactory(tenant=tenant, user=UserFactory(email="boss@acme.test"), role=Role.ADMIN)

    again = create_tenant(*ACME)

    assert "is an admin of it already" in again and "Nothing changed" in again


def test_another_admin_email_for_an_existing_company_invites_a_second_admin():
    create_tenant(*ACME)

    again = create_tenant(*ACME, admin="ops@acme.test")

    assert "ops@acme.test is invited as another admin" in again
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "boss@acme.test",
        "ops@acme.test",
    ]


def test_other_settings_for_an_existing_slug_are_refused_and_nothing_changes():
    create_tenant(*ACME)

    error = refused("--name", "Acme Telecom", "--time-zone", "UTC", "--language", "pt")

    assert error.returncode == 1
    assert "exists already" in str(error) and "time zone 'America/Sao_Paulo'" in str(error)
    assert Tenant.objects.get().time_zone == "America/Sao_Paulo"


def test_someone_working_there_with_another_role_is_not_made_admin_from_the_shell():
    create_tenant(*ACME)
    tenant = Tenant.objects.get()
    MembershipFactory(tenant=tenant, user=UserFactory(email="agent@acme.test"), role=Role.AGENT)

    error = refused(*ACME, admin="agent@acme.test")

    assert error.returncode == 1 and "works in Acme Telecom as agent" in str(error)


@pytest.mark.parametrize(
    ("args", "admin", "reason"),
    [
        (["--name", "X", "--time-zone", "Mars/Base"], "x@x.test", "Unknown time zone 'Mars/Base'"),
        (["--name", "X", "--language", "fr"], "x@x.test", "choose one of en, es, pt"),
        (["--name", "X", "--slug", "Not A Slug"], "x@x.test", "slug 'Not A Slug' is not usable"),
        (["--name", "!!!"], "x@x.test", "slug '' is not usable"),
        (["--name", "X"], "not-an-address", "is not an e-mail address"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_exit_code_2(args, admin, reason):
    error = refused(*args, admin=admin)

    assert error.returncode == 2 and reason in str(error)
    assert not Tenant.objects.exists()
