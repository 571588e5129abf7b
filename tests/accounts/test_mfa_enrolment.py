"""Setting up a new authenticator: a password alone never replaces a device; the old device
keeps working until the new one is confirmed; every enrolment and replacement is audited."""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from contactcenter.accounts import services
from contactcenter.accounts.models import AuditEvent
from contactcenter.errors import Forbidden
from tests.conftest import signed_in_client

from .test_sign_in import code_for, password_step

ENROL = reverse("accounts:mfa_enrol")
VERIFY = reverse("accounts:mfa_verify")


def code_from_page(page: str, *, offset_steps: int = 0) -> str:
    """What a person does: read the key shown on the enrolment page into an authenticator."""
    secret = re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time += offset_steps * 30
    return f"{totp.token():06d}"


def test_a_password_alone_cannot_enrol_a_new_device_of_an_enrolled_admin(alice, tenant_a):
    original = alice.encryptedtotpdevice_set.get(confirmed=True)
    attacker = Client()
    password_step(attacker, alice)

    started = attacker.post(ENROL, {"action": "start"})
    page = attacker.get(ENROL)

    assert started["Location"] == VERIFY and page["Location"] == VERIFY
    assert list(alice.encryptedtotpdevice_set.all()) == [original]
    assert attacker.get("/manage/")["Location"] == VERIFY
    assert not AuditEvent.objects.filter(action__in=["mfa.enrolled", "mfa.replaced"]).exists()


def test_a_password_alone_cannot_confirm_an_enrolment_left_open(alice, tenant_a):
    # Alice, verified, starts setting up a new phone and walks away before confirming.
    owner = signed_in_client(alice)
    page = owner.get(ENROL)
    owner.post(ENROL, {"action": "start"})
    code = code_from_page(owner.get(ENROL).content.decode())
    attacker = Client()
    password_step(attacker, alice)

    confirm = attacker.post(ENROL, {"action": "confirm", "code": code})

    assert page.status_code == 200 and confirm["Location"] == VERIFY
    assert alice.encryptedtotpdevice_set.get(confirmed=True).name == "test"  # the original
    assert attacker.get("/manage/")["Location"] == VERIFY


def test_the_old_device_works_until_the_new_one_is_confirmed(alice, tenant_a):
    owner = signed_in_client(alice)
    owner.post(ENROL, {"action": "start"})
    new_page = owner.get(ENROL).content.decode()

    elsewhere = Client()
    password_step(elsewhere, alice)
    old_code = code_for(alice)
    assert elsewhere.post(VERIFY, {"code": old_code})["Location"] == reverse("accounts:done")
    assert elsewhere.get("/manage/").status_code == 200

    confirmed = owner.post(ENROL, {"action": "confirm", "code": code_from_page(new_page)})
    assert len(re.findall(r"<li>\w+</li>", confirmed.content.decode())) == 10
    assert owner.get("/manage/").status_code == 200

    # The session the old device verified must verify again, now with the new device.
    later = Client()
    password_step(later, alice)
    assert elsewhere.get("/manage/")["Location"] == VERIFY
    new_code = code_from_page(new_page, offset_steps=1)
    assert later.post(VERIFY, {"code": new_code})["Location"] == reverse("accounts:done")


def test_an_old_code_stops_working_once_the_new_device_is_confirmed(alice, tenant_a):
    old = alice.encryptedtotpdevice_set.get(confirmed=True)
    owner = signed_in_client(alice)
    owner.post(ENROL, {"action": "start"})
    new_code = code_from_page(owner.get(ENROL).content.decode())
    owner.post(ENROL, {"action": "confirm", "code": new_code})

    old_code = TOTP(old.bin_key)
    client = Client()
    password_step(client, alice)
    answer = client.post(VERIFY, {"code": f"{old_code.token():06d}"})

    assert answer.status_code == 200 and "not right" in answer.content.decode()
    assert not alice.encryptedtotpdevice_set.filter(pk=old.pk).exists()


def test_enrolment_and_replacement_are_audited_in_the_users_company(bob, tenant_a):
    tenant_a.require_mfa = True
    tenant_a.save()
    client = Client()
    password_step(client, bob)

    for _ in range(2):  # first the enrolment after the password, then a replacement
        client.post(ENROL, {"action": "start"})
        code = code_from_page(client.get(ENROL).content.decode())
        assert client.post(ENROL, {"action": "confirm", "code": code}).status_code == 200

    actions = AuditEvent.objects.filter(tenant=tenant_a, actor=bob, action__startswith="mfa.")
    assert list(actions.order_by("pk").values_list("action", flat=True)) == [
        "mfa.enrolled",
        "mfa.replaced",
    ]
    assert bob.encryptedtotpdevice_set.filter(confirmed=True).count() == 1


def test_the_service_refuses_a_new_device_without_the_current_one(alice):
    with pytest.raises(Forbidden):
        services.start_totp_enrolment(user=alice, verified_with=None)
    assert alice.encryptedtotpdevice_set.count() == 1
