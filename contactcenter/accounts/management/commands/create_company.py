"""Creates a company and its first admin on an installation (production's first step).

Prints a single-use link where the admin chooses a password; nothing secret is printed.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from contactcenter.accounts import services
from contactcenter.errors import AppError


class Command(BaseCommand):
    help = "Create a company and its first admin; prints the admin's set-password link."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The company's name.")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--slug", help="Short address of the company (default: from name).")
        parser.add_argument("--time-zone", default="UTC", help="e.g. America/Sao_Paulo")
        parser.add_argument("--language", default="en", help="en, es or pt")

    def handle(self, *args, **o):
        slug = o["slug"] or slugify(o["name"])[:63]
        if not slug:
            raise CommandError("Give the company a --slug of letters, digits and dashes.")
        if o["time_zone"] not in zoneinfo.available_timezones():
            raise CommandError(f"Unknown time zone {o['time_zone']!r}; e.g. America/Sao_Paulo.")
        try:
            tenant, user = services.create_company(
                name=o["name"],
                slug=slug,
                admin_email=o["admin_email"],
                admin_name=o["admin_name"],
                time_zone=o["time_zone"],
                language=o["language"],
            )
        except AppError as exc:
            raise CommandError(exc.message) from exc
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        self.stdout.write(self.style.SUCCESS(f"Company '{tenant.name}' ({tenant.slug}) created."))
        self.stdout.write(
            f"{user.email} chooses a password at {settings.PUBLIC_BASE_URL.rstrip('/')}{path} "
            f"(works once, for {hours} h), then signs in and sets up two-factor authentication."
        )
