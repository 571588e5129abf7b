"""Mail is sent by a Celery task after commit, never in the request; an invitation's mail is
accepted work that the relay sends again when its wake-up was lost or the server refused."""

import re
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contactcenter import relay
from contactcenter.accounts import tasks
from contactcenter.accounts.models import Invitation, Membership, Role
from contactcenter.accounts.permissions import Principal
from contactcenter.accounts.services import invite_member, revoke_invitation
from contactcenter.settings import _email_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(alice, tenant_a) -> Principal:
    return Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))


def invite(tenant, admin, email="zoe@a.test") -> tuple[Invitation, str]:
    return invite_member(tenant, principal=admin, email=email, role=Role.AGENT, ip=None)


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_invitation_is_stored_first_and_mailed_by_the_task_after_commit(
    tenant_a, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        invitation, raw = invite(tenant_a, admin)
    assert mail.outbox == [] and len(queued) == 1  # nothing sent inside the transaction
    invitation.refresh_from_db()
    assert invitation.link_token == raw and invitation.mail_next_attempt_at is not None

    assert tasks.send_invitation_email(invitation.pk) == "sent"

    [message] = mail.outbox
    assert f"/accounts/invitations/{raw}/" in message.body
    assert "alice@a.test invited you to Acme as Agent." in message.body
    invitation.refresh_from_db()
    assert invitation.mail_sent_at is not None and invitation.link_token == ""  # erased once sent
    assert tasks.send_invitation_email(invitation.pk) == "skipped"  # a second wake-up: no mail
    assert len(mail.outbox) == 1


def test_a_lost_wake_up_is_sent_by_the_relay_sweep(
    tenant_a, admin, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        invite(tenant_a, admin)  # the wake-up queued after commit never reaches a worker
    assert relay.sweep(timezone.now())["invitation_mails"] == 0  # may still be on its way

    with django_capture_on_commit_callbacks(execute=True):
        woken = relay.sweep(timezone.now() + relay.redrive_after())

    assert woken["invitation_mails"] == 1
    assert [m.to for m in mail.outbox] == [["zoe@a.test"]]
    assert relay.sweep(later(3600))["invitation_mails"] == 0


def test_a_mail_server_that_is_down_gets_the_mail_on_a_later_try(tenant_a, admin, settings):
    invitation, raw = invite(tenant_a, admin)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()

    assert tasks.send_invitation_email(invitation.pk) == "retry"
    invitation.refresh_from_db()
    assert invitation.mail_attempts == 1 and invitation.mail_sent_at is None
    assert invitation.link_token == raw  # kept for the next try
    assert tasks.send_invitation_email(invitation.pk) == "skipped"  # its retry is not due yet

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Invitation.objects.filter(pk=invitation.pk).update(mail_next_attempt_at=timezone.now())
    assert tasks.send_invitation_email(invitation.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_revoked_invitation_is_not_mailed(tenant_a, admin):
    invitation, _raw = invite(tenant_a, admin)
    revoke_invitation(tenant_a, principal=admin, invitation=invitation, ip=None)

    assert tasks.send_invitation_email(invitation.pk) == "settled"

    invitation.refresh_from_db()
    assert mail.outbox == [] and invitation.link_token == ""
    assert invitation.mail_next_attempt_at is None  # the relay leaves it alone


def test_an_invitation_by_api_token_has_no_inviter_and_is_mailed(tenant_a, admin):
    principal = Principal(tenant=tenant_a, scopes=admin.scopes)
    invitation, _raw = invite(tenant_a, principal)

    tasks.send_invitation_email(invitation.pk)

    assert mail.outbox[0].body.startswith("You are invited to Acme as Agent.")


def test_the_password_reset_mail_leaves_the_request_and_comes_in_its_language(alice):
    response = Client(HTTP_ACCEPT_LANGUAGE="es").post(
        reverse("accounts:password_reset"), {"email": alice.email}
    )
    assert response.status_code == 302 and mail.outbox == []  # the page did not send it

    assert tasks.send_password_reset_email(alice.pk, "es") == "sent"

    [message] = mail.outbox
    assert re.search(r"http://127\.0\.0\.1:8000/accounts/password/reset/\S+/", message.body)
    assert "contraseña" in message.body


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("consolemail://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("dummymail://", {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}),
        (
            "smtp://127.0.0.1:2525",
            {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": 2525, "EMAIL_USE_TLS": False},
        ),
        (
            "submission://me%40acme.test:p%40ss@mail.acme.test",
            {
                "EMAIL_PORT": 587,
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
                "EMAIL_HOST_USER": "me@acme.test",
                "EMAIL_HOST_PASSWORD": "p@ss",
            },
        ),
        ("smtps://u:p@mail.acme.test", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("smtp+tls://u:p@mail.acme.test:2587", {"EMAIL_PORT": 2587, "EMAIL_USE_TLS": True}),
    ],
)
def test_email_url_sets_the_mail_settings(url, expected):
    config = _email_settings(url)

    assert {key: config[key] for key in expected} == expected
