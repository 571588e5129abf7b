"""MFA secrets at rest: a copy of the database gives neither a TOTP seed nor a backup code."""

import base64
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from contactcenter.accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_KEYS
from contactcenter.accounts.models import User
from contactcenter.accounts.otp.models import EncryptedTOTPDevice

from .test_mfa_enrolment import ENROL, VERIFY, code_from_page
from .test_sign_in import password_step


def raw_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def enrol_through_the_pages(client: Client) -> tuple[str, list[str]]:
    client.post(ENROL, {"action": "start"})
    page = client.get(ENROL).content.decode()
    done = client.post(ENROL, {"action": "confirm", "code": code_from_page(page)})
    secret = re.search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1)
    return secret, re.findall(r"<li>(\w+)</li>", done.content.decode())


def dump() -> str:
    """Every column of every MFA table, as text, as a stolen backup would have it."""
    tables = (
        "accounts_otp_encryptedtotpdevice",
        "accounts_otp_backupcode",
        "accounts_otp_backupcodedevice",
        "otp_totp_totpdevice",
        "otp_static_statictoken",
        "otp_static_staticdevice",
    )
    return "\n".join(str(row) for t in tables for row in raw_rows(f"SELECT * FROM {t}"))


def test_the_database_holds_no_plain_seed_and_no_plain_backup_code(bob, tenant_a):
    tenant_a.require_mfa = True
    tenant_a.save()
    client = Client()
    password_step(client, bob)

    secret, codes = enrol_through_the_pages(client)

    seed_hex = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
    stored = dump()
    assert len(codes) == 10
    assert seed_hex not in stored.lower() and secret not in stored
    assert not any(code in stored for code in codes)
    [(ciphertext,)] = raw_rows("SELECT key FROM accounts_otp_encryptedtotpdevice")
    assert ciphertext.startswith("gAAAAA")  # a Fernet token
    assert bob.encryptedtotpdevice_set.get().key == seed_hex  # the app still reads it


def test_a_hashed_backup_code_signs_in_once(bob, tenant_a):
    tenant_a.require_mfa = True
    tenant_a.save()
    enrolling = Client()
    password_step(enrolling, bob)
    _, codes = enrol_through_the_pages(enrolling)

    first, again = Client(), Client()
    password_step(first, bob)
    password_step(again, bob)

    assert first.post(VERIFY, {"code": codes[3].upper()})["Location"] == reverse("accounts:done")
    answer = again.post(VERIFY, {"code": codes[3]})
    assert answer.status_code == 200 and "already used" in answer.content.decode()


def test_the_demo_authenticator_secrets_of_the_readme_still_work(db, settings):
    settings.SANDBOX_ENABLED = True
    call_command("seed_demo")
    call_command("seed_demo")
    admin = User.objects.get(email="admin@demo.test")
    readme_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # README, "Try it"

    client = Client()
    client.post(reverse("accounts:login"), {"email": admin.email, "password": DEMO_PASSWORD})
    code = f"{TOTP(base64.b32decode(readme_secret)).token():06d}"

    assert client.post(VERIFY, {"code": code})["Location"] == reverse("accounts:done")
    assert DEMO_TOTP_KEYS[admin.email] not in dump()
    assert admin.encryptedtotpdevice_set.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_seeds_and_hashes_existing_codes(alice):
    """Rows written by django-otp's own plugins before the migration keep signing in."""
    alice.encryptedtotpdevice_set.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts_otp", None)])
    seed = "3132333435363738393031323334353637383932"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits,"
            " tolerance, drift, last_t, throttling_failure_count) VALUES"
            " (%s, 'phone', true, %s, 30, 0, 6, 1, 0, -1, 0)",
            [alice.pk, seed],
        )
        cursor.execute(
            "INSERT INTO otp_static_staticdevice (user_id, name, confirmed,"
            " throttling_failure_count) VALUES (%s, 'Backup codes', true, 0) RETURNING id",
            [alice.pk],
        )
        [static_id] = cursor.fetchone()
        cursor.execute(
            "INSERT INTO otp_static_statictoken (device_id, token) VALUES (%s, 'abcd2345')",
            [static_id],
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert raw_rows("SELECT count(*) FROM otp_totp_totpdevice") == [(0,)]
    assert raw_rows("SELECT count(*) FROM otp_static_statictoken") == [(0,)]
    assert seed not in dump() and "abcd2345" not in dump()
    assert EncryptedTOTPDevice.objects.get(user=alice).key == seed
    by_totp, by_code = Client(), Client()
    password_step(by_totp, alice)
    password_step(by_code, alice)
    code = f"{TOTP(bytes.fromhex(seed)).token():06d}"
    assert by_totp.post(VERIFY, {"code": code})["Location"] == reverse("accounts:done")
    assert by_code.post(VERIFY, {"code": "abcd2345"})["Location"] == reverse("accounts:done")
