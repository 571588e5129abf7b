"""Every way in: password, second factor, enrolment, throttles, sessions, resets, invitations."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from contactcenter.accounts.models import AuditEvent, Membership, Role
from contactcenter.accounts.otp.models import BackupCode
from contactcenter.accounts.permissions import Principal
from contactcenter.accounts.services import invite_member
from tests.factories import PASSWORD, MembershipFactory, UserFactory


def code_for(user, *, offset_steps: int = 0) -> str:
    device = user.encryptedtotpdevice_set.get(confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time += offset_steps * device.step
    return f"{totp.token():06d}"


def password_step(client: Client, user, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"email": user.email, "password": password})


def test_successful_and_failed_logins_are_audited_for_the_users_company(alice, tenant_a):
    password_step(Client(), alice, "wrong-password")
    password_step(Client(), alice)

    actions = list(AuditEvent.objects.filter(tenant=tenant_a).values_list("action", flat=True))
    assert "login.failed" in actions and "login.succeeded" in actions


def test_unknown_email_and_wrong_password_get_the_same_answer(alice, tenant_a):
    unknown = Client().post(
        reverse("accounts:login"), {"email": "nobody@a.test", "password": "x" * 12}
    )
    wrong = password_step(Client(), alice, "wrong-password")

    alert = re.compile(r'<p class="error" role="alert">(.*?)</p>')
    assert unknown.status_code == wrong.status_code == 200
    assert alert.findall(unknown.content.decode()) == alert.findall(wrong.content.decode())
    assert alert.findall(wrong.content.decode()) == [
        "E-mail or password is not right. Check both and try again."
    ]
    # The unknown address is kept for operators only, never shown to a company.
    assert not AuditEvent.objects.filter(tenant=tenant_a, actor_label="nobody@a.test").exists()


def test_an_admin_reaches_nothing_but_the_second_factor_after_the_password(alice):
    client = Client()
    response = password_step(client, alice)

    assert response["Location"] == reverse("accounts:mfa_verify")
    for path in ("/inbox/", "/dashboard/", "/manage/", "/api/v1/me/", "/manage/tokens/"):
        answer = client.get(path)
        assert answer.status_code in (302, 403), path
        if answer.status_code == 302:
            assert answer["Location"] == reverse("accounts:mfa_verify")


def test_the_second_factor_rotates_the_session_and_opens_the_product(alice):
    client = Client()
    password_step(client, alice)
    before = client.session.session_key

    response = client.post(reverse("accounts:mfa_verify"), {"code": code_for(alice)})

    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get("/manage/").status_code == 200


def test_the_password_step_rotates_the_session_key(bob):
    client = Client()
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key

    password_step(client, bob)

    assert client.session.session_key != before and client.session[SESSION_KEY] == str(bob.pk)


def test_a_totp_code_cannot_be_replayed_even_from_another_session(alice):
    code = code_for(alice)
    first, second = Client(), Client()
    password_step(first, alice)
    password_step(second, alice)

    assert first.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    replay = second.post(reverse("accounts:mfa_verify"), {"code": code})

    assert replay.status_code == 200 and "already used" in replay.content.decode()
    assert second.get("/manage/")["Location"] == reverse("accounts:mfa_verify")


def test_a_backup_code_works_once(alice):
    from contactcenter.accounts.services import _replace_backup_codes

    code = _replace_backup_codes(alice)[0]
    client = Client()
    password_step(client, alice)
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302

    again = Client()
    password_step(again, alice)
    assert again.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 200
    assert BackupCode.objects.filter(device__user=alice).count() == 9


def test_an_agent_of_a_company_that_requires_mfa_must_enrol_first(bob, tenant_a):
    tenant_a.require_mfa = True
    tenant_a.save()
    client = Client()

    response = password_step(client, bob)

    assert response["Location"] == reverse("accounts:mfa_enrol")
    assert client.get("/inbox/")["Location"] == reverse("accounts:mfa_enrol")


def test_enrolment_shows_a_qr_code_confirms_and_gives_backup_codes_once(bob, tenant_a):
    tenant_a.require_mfa = True
    tenant_a.save()
    client = Client()
    password_step(client, bob)

    client.post(reverse("accounts:mfa_enrol"), {"action": "start"})
    page = client.get(reverse("accounts:mfa_enrol")).content.decode()
    assert "<svg" in page and 'data-testid="secret"' in page
    device = bob.encryptedtotpdevice_set.get(confirmed=False)
    code = f"{TOTP(device.bin_key).token():06d}"
    done = client.post(reverse("accounts:mfa_enrol"), {"action": "confirm", "code": code})

    assert len(re.findall(r"<li>\w+</li>", done.content.decode())) == 10
    assert client.get("/inbox/").status_code == 200
    assert AuditEvent.objects.filter(tenant=tenant_a, action="mfa.enrolled").exists()


def test_login_is_throttled_per_account(alice, settings):
    settings.LOGIN_RATE_PER_ACCOUNT = "3/m"
    for _ in range(3):
        password_step(Client(REMOTE_ADDR="10.0.0.1"), alice, "wrong")

    response = password_step(Client(REMOTE_ADDR="10.0.0.2"), alice)  # right password, too late

    assert response.status_code == 429
    assert "wait" in response.content.decode()


def test_login_is_throttled_per_ip(db, settings):
    settings.LOGIN_RATE_PER_IP = "3/m"
    client = Client(REMOTE_ADDR="10.0.0.9")
    for n in range(3):
        client.post(reverse("accounts:login"), {"email": f"x{n}@a.test", "password": "nope"})

    response = client.post(reverse("accounts:login"), {"email": "y@a.test", "password": "nope"})

    assert response.status_code == 429


def test_second_factor_attempts_are_throttled_per_account(alice, settings):
    settings.OTP_RATE_PER_ACCOUNT = "3/m"
    client = Client()
    password_step(client, alice)
    for _ in range(3):
        client.post(reverse("accounts:mfa_verify"), {"code": "000000"})

    response = client.post(reverse("accounts:mfa_verify"), {"code": code_for(alice)})

    assert response.status_code == 429


def test_password_change_ends_other_sessions_but_not_this_one(bob):
    this, other = Client(), Client()
    password_step(this, bob)
    password_step(other, bob)
    assert other.get("/inbox/").status_code == 200

    this.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-Secret-42x",
            "new_password2": "a-new-Secret-42x",
        },
    )

    assert this.get("/inbox/").status_code == 200
    assert other.get("/inbox/")["Location"].startswith(reverse("accounts:login"))


def test_password_reset_does_not_enumerate_and_completion_does_not_skip_mfa(
    alice, eager_tasks, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@a.test"})
        known = client.post(reverse("accounts:password_reset"), {"email": alice.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    [message] = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": "Reset-pass-2026x", "new_password2": "Reset-pass-2026x"},
    )

    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert SESSION_KEY not in client.session  # not signed in by the reset
    after = Client()
    assert password_step(after, alice, "Reset-pass-2026x")["Location"] == reverse(
        "accounts:mfa_verify"
    )


def test_switching_to_a_company_you_do_not_belong_to_is_not_found(bob_client, tenant_b):
    response = bob_client.post(reverse("accounts:switch_tenant"), {"tenant": tenant_b.pk})

    assert response.status_code == 404


def test_switching_between_own_companies(bob, bob_client, tenant_b):
    MembershipFactory(tenant=tenant_b, user=bob, role=Role.AGENT)

    bob_client.post(reverse("accounts:switch_tenant"), {"tenant": tenant_b.pk})

    assert bob_client.get(reverse("api-me")).json()["tenant"] == tenant_b.slug


@pytest.fixture
def invitation_link(alice, tenant_a):
    principal = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
    _, raw = invite_member(
        tenant_a, principal=principal, email="new@a.test", role=Role.SUPERVISOR, ip=None
    )
    return reverse("accounts:invitation_accept", args=[raw])


def test_an_invitation_creates_the_account_with_the_inviters_role_once(invitation_link, tenant_a):
    client = Client()
    data = {
        "full_name": "Nina",
        "password1": "Invite-pass-2026",
        "password2": "Invite-pass-2026",
        "role": "admin",
    }

    response = client.post(invitation_link, data)
    again = Client().post(invitation_link, data)

    membership = Membership.objects.get(tenant=tenant_a, user__email="new@a.test")
    assert membership.role == Role.SUPERVISOR  # never what the invitee posted
    assert response["Location"] == reverse("accounts:mfa_enrol")  # supervisors need MFA
    assert again.status_code == 404 and "not valid any more" in again.content.decode()


def test_a_signed_in_user_with_another_address_cannot_take_the_invitation(invitation_link, bob):
    client = Client()
    password_step(client, bob)

    response = client.post(invitation_link)

    assert "This invitation is for new@a.test" in response.content.decode()
    assert not Membership.objects.filter(user__email="new@a.test").exists()


def test_logout_is_post_only_and_audited(bob, tenant_a):
    client = Client()
    password_step(client, bob)

    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))

    assert client.get("/inbox/").status_code == 302
    assert AuditEvent.objects.filter(tenant=tenant_a, action="logout").exists()


def test_new_user_factory_can_sign_in(db):
    user = UserFactory(email="plain@a.test")
    assert password_step(Client(), user).status_code == 302
