"""Creates (or refreshes) the demo tenant: an admin, a supervisor and four agents. Idempotent.

The logins are fixed and printed on purpose: this is a demo for a person to try, never a
production account (the command refuses to run in production).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contactcenter.accounts.models import Membership, Role, Tenant, User
from contactcenter.accounts.otp.models import EncryptedTOTPDevice

# 20 bytes of TOTP secret as hex (django-otp's format); printed in base32 for authenticator apps.
DEMO_TOTP_KEYS = {
    "admin@demo.test": "3132333435363738393031323334353637383930",
    "supervisor@demo.test": "3132333435363738393031323334353637383931",
}
DEMO_USERS = [
    ("admin@demo.test", "Ada Admin", Role.ADMIN),
    ("supervisor@demo.test", "Sam Supervisor", Role.SUPERVISOR),
    ("agent1@demo.test", "Ana Agent", Role.AGENT),
    ("agent2@demo.test", "Bruno Agent", Role.AGENT),
    ("agent3@demo.test", "Carla Agent", Role.AGENT),
    ("agent4@demo.test", "Diego Agent", Role.AGENT),
]
DEMO_PASSWORD = "demo-password-2026"


def base32_secret(hex_key: str) -> str:
    import base64

    return base64.b32encode(bytes.fromhex(hex_key)).decode()


class Command(BaseCommand):
    help = "Create or refresh the demo tenant and its users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow in production settings.")

    def handle(self, *args, force: bool = False, **options):
        if settings.IS_PRODUCTION and not force:
            raise CommandError("seed_demo creates known passwords; it does not run in production.")
        with transaction.atomic():
            tenant = self._seed()
        self._print_logins(tenant)

    def _seed(self) -> Tenant:
        tenant, _ = Tenant.objects.get_or_create(
            slug="demo", defaults={"name": "Demo Company", "time_zone": "America/Sao_Paulo"}
        )
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
            Membership.objects.update_or_create(
                tenant=tenant, user=user, defaults={"role": role, "is_active": True}
            )
            if email in DEMO_TOTP_KEYS:
                EncryptedTOTPDevice.objects.update_or_create(
                    user=user,
                    name="Demo authenticator",
                    defaults={"key": DEMO_TOTP_KEYS[email], "confirmed": True},
                )
        from contactcenter.seeding import seed_demo_extras

        seed_demo_extras(tenant)
        return tenant

    def _print_logins(self, tenant: Tenant) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo tenant '{tenant.name}' is ready."))
        out.write(
            f"Open {settings.PUBLIC_BASE_URL}/ and sign in (password for all: {DEMO_PASSWORD})"
        )
        for email, _, role in DEMO_USERS:
            line = f"  {role:<10} {email}"
            if email in DEMO_TOTP_KEYS:
                secret = base32_secret(DEMO_TOTP_KEYS[email])
                line += f"   TOTP secret (add to an authenticator app): {secret}"
            out.write(line)
        if settings.SANDBOX_ENABLED:
            out.write(
                f"Write to the demo WhatsApp number as a customer at "
                f"{settings.PUBLIC_BASE_URL}/sandbox/phone/ (signed in as the admin), or with "
                f"`manage.py sandbox_send --number 106540000000001 --from 5511999990001 --text Oi`."
            )
