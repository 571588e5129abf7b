"""An admin acts on a person only within their own company: an MFA reset, a sign-out or a
removal in company A ends the person's sessions and sockets in A; in company B their sessions
go on and their device still guards the way in."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from contactcenter.accounts.models import AuditEvent, Membership, Role
from tests.conftest import signed_in_client
from tests.factories import MembershipFactory, UserFactory, enrol_totp
from tests.realtime.hub import closed_with, communicator, opened, session_cookie

from .test_mfa_enrolment import ENROL, VERIFY, code_from_page
from .test_sign_in import code_for, password_step

LOGIN = reverse("accounts:login")


@pytest.fixture
def carol(tenant_a, tenant_b):
    """Supervisor in both companies, with an authenticator app."""
    user = UserFactory(email="carol@a.test", full_name="Carol")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.SUPERVISOR)
    MembershipFactory(tenant=tenant_b, user=user, role=Role.SUPERVISOR)
    enrol_totp(user)
    return user


def working_in(user, tenant) -> Client:
    client = signed_in_client(user)
    assert client.post(reverse("accounts:switch_tenant"), {"tenant": tenant.pk}).status_code == 302
    assert client.get(reverse("api-me")).json()["tenant"] == tenant.slug
    return client


def membership(user, tenant) -> Membership:
    return Membership.objects.get(user=user, tenant=tenant)


def act_on(admin_client, action: str, member: Membership):
    response = admin_client.post(reverse(f"manage:member_{action}", args=[member.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("action", ["reset_mfa", "sign_out", "deactivate"])
def test_an_action_in_one_company_ends_only_the_sessions_there(
    alice_client, carol, tenant_a, tenant_b, action
):
    in_a, in_b = working_in(carol, tenant_a), working_in(carol, tenant_b)

    act_on(alice_client, action, membership(carol, tenant_a))

    assert in_a.get("/inbox/")["Location"].startswith(LOGIN)
    assert in_b.get("/inbox/").status_code == 200
    assert in_b.get(reverse("api-me")).json()["tenant"] == tenant_b.slug


def test_a_reset_in_one_company_keeps_the_device_that_guards_the_other(
    alice_client, carol, tenant_a, tenant_b
):
    device = carol.encryptedtotpdevice_set.get(confirmed=True)

    act_on(alice_client, "reset_mfa", membership(carol, tenant_a))

    assert carol.encryptedtotpdevice_set.get(confirmed=True) == device
    # A password alone reaches neither company, nor a new device.
    attacker = Client()
    assert password_step(attacker, carol)["Location"] == VERIFY
    assert attacker.post(ENROL, {"action": "start"})["Location"] == VERIFY
    attacker.post(reverse("accounts:switch_tenant"), {"tenant": tenant_b.pk})
    assert attacker.get("/inbox/")["Location"] == VERIFY
    assert list(carol.encryptedtotpdevice_set.all()) == [device]
    assert AuditEvent.objects.filter(tenant=tenant_a, action="mfa.reset").count() == 1
    assert not AuditEvent.objects.filter(tenant=tenant_b, action="mfa.reset").exists()


def test_after_a_reset_the_person_enters_that_company_only_with_a_new_device(
    alice_client, carol, tenant_a, tenant_b
):
    act_on(alice_client, "reset_mfa", membership(carol, tenant_a))
    client = Client()
    password_step(client, carol)
    client.post(VERIFY, {"code": code_for(carol)})
    client.post(reverse("accounts:switch_tenant"), {"tenant": tenant_a.pk})

    # Verified with the current device: company B is open, company A asks for a new device.
    assert client.get("/inbox/")["Location"] == ENROL
    assert 'data-testid="reset-here"' in client.get(ENROL).content.decode()
    client.post(reverse("accounts:switch_tenant"), {"tenant": tenant_b.pk})
    assert client.get("/inbox/").status_code == 200
    client.post(reverse("accounts:switch_tenant"), {"tenant": tenant_a.pk})
    client.post(ENROL, {"action": "start"})
    code = code_from_page(client.get(ENROL).content.decode())
    assert client.post(ENROL, {"action": "confirm", "code": code}).status_code == 200

    assert client.get("/inbox/").status_code == 200
    assert membership(carol, tenant_a).mfa_reset_at is None
    assert AuditEvent.objects.filter(tenant=tenant_a, action="mfa.replaced").exists()


def test_when_every_company_has_reset_the_device_goes_and_a_password_enrols_again(
    alice_client, charlie_client, carol, tenant_a, tenant_b
):
    act_on(alice_client, "reset_mfa", membership(carol, tenant_a))
    assert carol.encryptedtotpdevice_set.exists()  # company B still relies on it

    act_on(charlie_client, "reset_mfa", membership(carol, tenant_b))

    assert not carol.encryptedtotpdevice_set.exists()
    client = Client()
    assert password_step(client, carol)["Location"] == ENROL
    client.post(ENROL, {"action": "start"})
    code = code_from_page(client.get(ENROL).content.decode())
    client.post(ENROL, {"action": "confirm", "code": code})
    for tenant in (tenant_a, tenant_b):
        client.post(reverse("accounts:switch_tenant"), {"tenant": tenant.pk})
        assert client.get("/inbox/").status_code == 200, tenant.slug


def test_a_person_of_one_company_loses_the_device_at_a_reset(alice_client, tenant_a):
    dan = UserFactory(email="dan@a.test")
    MembershipFactory(tenant=tenant_a, user=dan, role=Role.SUPERVISOR)
    enrol_totp(dan)

    act_on(alice_client, "reset_mfa", membership(dan, tenant_a))

    assert not dan.encryptedtotpdevice_set.exists()
    client = Client()
    assert password_step(client, dan)["Location"] == ENROL


def test_a_removal_in_one_company_keeps_the_person_in_the_other(
    alice_client, carol, tenant_a, tenant_b
):
    act_on(alice_client, "deactivate", membership(carol, tenant_a))

    client = signed_in_client(carol)
    assert client.get(reverse("api-me")).json()["tenant"] == tenant_b.slug
    assert (
        client.post(reverse("accounts:switch_tenant"), {"tenant": tenant_a.pk}).status_code == 404
    )


def test_the_sign_out_is_audited_in_the_admins_company_only(
    alice_client, carol, tenant_a, tenant_b
):
    act_on(alice_client, "sign_out", membership(carol, tenant_a))

    assert AuditEvent.objects.filter(tenant=tenant_a, action="membership.signed_out").exists()
    assert not AuditEvent.objects.filter(tenant=tenant_b, action="membership.signed_out").exists()


def test_an_admin_of_another_company_cannot_act_on_the_person(charlie_client, carol, tenant_a):
    response = charlie_client.post(
        reverse("manage:member_reset_mfa", args=[membership(carol, tenant_a).pk])
    )

    assert response.status_code == 404
    assert membership(carol, tenant_a).mfa_reset_at is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["reset_mfa", "sign_out", "deactivate"])
async def test_an_action_in_one_company_closes_only_the_sockets_there(
    alice, carol, tenant_a, tenant_b, action
):
    admin = await sync_to_async(signed_in_client)(alice)
    in_a = await sync_to_async(working_in)(carol, tenant_a)
    in_b = await sync_to_async(working_in)(carol, tenant_b)
    socket_a = await opened(session_cookie(in_a))
    socket_b = await opened(session_cookie(in_b))

    member = await sync_to_async(membership)(carol, tenant_a)
    await sync_to_async(act_on)(admin, action, member)

    assert await closed_with(socket_a) == 4403
    reconnected, _ = await communicator(session_cookie(in_a)).connect()
    assert not reconnected  # before any page load has ended that session
    await socket_b.send_json_to({"type": "ping"})
    assert (await socket_b.receive_json_from())["type"] == "pong"
    await socket_b.disconnect()
