"""Roles, tokens and the audit log, through the admin pages and the REST API."""

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from contactcenter.accounts.models import ApiToken, AuditEvent, Membership, Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def bob_membership(bob, tenant_a):
    return Membership.objects.get(user=bob, tenant=tenant_a)


@pytest.fixture
def alice_membership(alice, tenant_a):
    return Membership.objects.get(user=alice, tenant=tenant_a)


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def make_token(client, scopes=("inbox:read",)) -> str:
    response = client.post(
        reverse("api-tokens"),
        {"name": "CRM", "scopes": list(scopes)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def test_an_agent_cannot_change_roles_invite_or_create_tokens_anywhere(
    bob_client, bob_membership, alice_membership
):
    pages = [
        ("post", reverse("manage:member_role", args=[bob_membership.pk]), {"role": "admin"}),
        ("post", reverse("manage:member_role", args=[alice_membership.pk]), {"role": "agent"}),
        ("post", reverse("manage:invitations"), {"email": "x@a.test", "role": "agent"}),
        ("post", reverse("manage:tokens"), {"name": "t", "scopes": ["inbox:read"]}),
        ("get", reverse("manage:audit"), {}),
        ("post", reverse("manage:settings"), {"name": "Mine now"}),
    ]
    for method, url, data in pages:
        assert getattr(bob_client, method)(url, data).status_code == 403, url
    api = [
        (reverse("api-membership-role", args=[bob_membership.pk]), {"role": "admin"}),
        (reverse("api-invitations"), {"email": "x@a.test", "role": "agent"}),
        (reverse("api-tokens"), {"name": "t", "scopes": ["inbox:read"]}),
    ]
    for url, data in api:
        response = bob_client.post(url, data, content_type="application/json")
        assert response.status_code == 403 and response.json()["code"], url
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.AGENT
    assert not ApiToken.objects.exists()


def test_admin_changes_a_role_and_it_is_audited(alice_client, bob_membership, tenant_a):
    alice_client.post(
        reverse("manage:member_role", args=[bob_membership.pk]), {"role": "supervisor"}
    )

    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(tenant=tenant_a, action="membership.role_changed")
    assert event.data["from"] == "agent" and event.data["to"] == "supervisor"


def test_the_last_admin_cannot_demote_themself(alice_client, alice_membership):
    response = alice_client.post(
        reverse("api-membership-role", args=[alice_membership.pk]),
        {"role": "agent"},
        content_type="application/json",
    )

    assert response.status_code == 409 and "last admin" in response.json()["message"]


def test_admins_of_another_company_cannot_touch_these_members(charlie_client, bob_membership):
    page = charlie_client.post(
        reverse("manage:member_role", args=[bob_membership.pk]), {"role": "admin"}
    )
    api = charlie_client.post(
        reverse("api-membership-role", args=[bob_membership.pk]),
        {"role": "admin"},
        content_type="application/json",
    )

    assert page.status_code == 404 and api.status_code == 404
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.AGENT


def test_a_token_is_shown_once_stored_hashed_and_authenticates(alice_client, tenant_a):
    raw = make_token(alice_client, scopes=["inbox:read"])

    token = ApiToken.objects.get(tenant=tenant_a)
    assert raw.startswith(f"cc_{token.prefix}_") and raw not in token.key_hash
    assert "token" not in alice_client.get(reverse("api-tokens")).json()["results"][0]
    me = bearer(raw).get(reverse("api-me")).json()
    assert me["tenant"] == tenant_a.slug and me["scopes"] == ["inbox:read"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_scopes_are_enforced_and_revocation_is_immediate(alice_client, tenant_a):
    reader = make_token(alice_client, scopes=["audit:read"])
    assert bearer(reader).get(reverse("api-conversations")).status_code == 403
    assert bearer(reader).get(reverse("api-audit-events")).status_code == 200
    token = ApiToken.objects.get(tenant=tenant_a)

    alice_client.post(reverse("api-token-revoke", args=[token.pk]))

    response = bearer(reader).get(reverse("api-audit-events"))
    assert response.status_code == 401 and "revoked" in response.json()["message"]


def test_a_token_never_manages_people_or_tokens(alice_client):
    with pytest.raises(AssertionError):
        make_token(alice_client, scopes=["tokens:write"])
    raw = make_token(alice_client, scopes=["config:write", "audit:read"])

    assert (
        bearer(raw)
        .post(
            reverse("api-tokens"),
            {"name": "x", "scopes": ["inbox:read"]},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_another_companys_token_sees_none_of_this_company(alice_client, charlie_client, tenant_a):
    make_token(alice_client, scopes=["audit:read"])
    theirs = make_token(charlie_client, scopes=["audit:read"])

    events = bearer(theirs).get(reverse("api-audit-events")).json()["results"]

    assert events and all(e["actor_label"] != "alice@a.test" for e in events)


def test_a_session_that_owes_mfa_cannot_create_tokens(alice):
    client = Client()
    client.post(
        reverse("accounts:login"), {"email": alice.email, "password": "correct-horse-battery-9"}
    )

    response = client.post(
        reverse("api-tokens"),
        {"name": "x", "scopes": ["inbox:read"]},
        content_type="application/json",
    )

    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    assert not ApiToken.objects.exists()


def test_audit_rows_cannot_be_changed_through_any_endpoint_or_the_database(alice_client, tenant_a):
    make_token(alice_client)
    event = AuditEvent.objects.filter(tenant=tenant_a).first()
    url = reverse("api-audit-events")

    for method in ("put", "patch", "delete"):
        assert (
            getattr(alice_client, method)(url, {}, content_type="application/json").status_code
            == 405
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_audit_page_filters_by_action(alice_client, tenant_a):
    make_token(alice_client)

    page = alice_client.get(reverse("manage:audit") + "?action=api_token.created").content.decode()

    assert "api_token.created" in page


def test_invitation_from_the_admin_page_sends_a_single_use_link(
    alice_client, tenant_a, django_capture_on_commit_callbacks, eager_tasks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("manage:invitations"), {"email": "Zoe@A.test", "role": "agent"})

    assert "/accounts/invitations/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(tenant=tenant_a, action="invitation.created").exists()


def test_mfa_reset_removes_devices_and_signs_the_user_out(alice_client, tenant_a):
    from tests.conftest import signed_in_client
    from tests.factories import enrol_totp

    carol = UserFactory(email="carol@a.test")
    membership = MembershipFactory(tenant=tenant_a, user=carol, role=Role.SUPERVISOR)
    enrol_totp(carol)
    carol_client = signed_in_client(carol)
    assert carol_client.get("/inbox/").status_code == 200

    alice_client.post(reverse("manage:member_reset_mfa", args=[membership.pk]))

    assert not carol.encryptedtotpdevice_set.exists()
    assert carol_client.get("/inbox/").status_code == 302
    assert AuditEvent.objects.filter(tenant=tenant_a, action="mfa.reset").exists()


def test_the_api_docs_page_works_without_any_outside_script(alice_client):
    page = alice_client.get(reverse("api-docs"))

    assert page.status_code == 200
    body = page.content.decode()
    assert "cdn" not in body.lower() and "<script>" not in body
    assert alice_client.get(reverse("api-schema")).status_code == 200
