"""Creates a company (tenant) and invites its first admin by e-mail: a production install's
first step. No demo data; nothing secret is printed (the link goes only to the admin's inbox).

Safe to run again with the same arguments: it changes nothing and says so. Exit codes: 0 done
(or nothing to do), 1 refused (the company exists with other settings, or the address works in
it with another role), 2 bad input (name, slug, time zone, language, e-mail).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from contactcenter.accounts import services
from contactcenter.errors import AppError, ValidationFailed

BAD_INPUT, REFUSED = 2, 1


class Command(BaseCommand):
    help = (
        "Create a company and e-mail its first admin an invitation (a Celery worker sends it). "
        "Running it again with the same arguments changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The company's name, e.g. 'Acme'.")
        parser.add_argument(
            "--slug",
            help="Its short name: lower-case letters, digits, dashes (default: from name).",
        )
        parser.add_argument("--time-zone", default="UTC", help="IANA name, e.g. America/Sao_Paulo.")
        lang_codes = [code for code, _label in settings.LANGUAGES]
        parser.add_argument(
            "--language", default="en", help=f"The company's language: {', '.join(lang_codes)}."
        )
        parser.add_argument("--admin-email", required=True, help="Who is invited as first admin.")

    def handle(self, *args, **options):
        slug = options["slug"] if options["slug"] is not None else slugify(options["name"])[:63]
        try:
            setup = services.create_tenant(
                name=options["name"],
                slug=slug,
                time_zone=options["time_zone"],
                language=options["language"],
                admin_email=options["admin_email"],
            )
        except ValidationFailed as exc:
            raise CommandError(exc.message, returncode=BAD_INPUT) from exc
        except AppError as exc:
            raise CommandError(exc.message, returncode=REFUSED) from exc
        self._say(setup, options["admin_email"].strip().lower())

    def _say(self, setup: services.TenantSetup, email: str) -> None:
        tenant, invitation = setup.tenant, setup.invitation
        company = f"Company '{tenant.name}' ({tenant.slug})"
        if setup.outcome == "unchanged":
            if invitation is None:
                what = f"{email} is an admin of it already"
            else:
                sent = invitation.mail_sent_at
                mailed = f"e-mailed {sent:%Y-%m-%d %H:%M} UTC" if sent else "e-mail not sent yet"
                what = (
                    f"{email} is invited since {invitation.created_at:%Y-%m-%d %H:%M} UTC "
                    f"({mailed}; open until {invitation.expires_at:%Y-%m-%d})"
                )
            self.stdout.write(f"{company} exists already and {what}. Nothing changed.")
            return
        if setup.outcome == "created":
            self.stdout.write(self.style.SUCCESS(f"{company} created."))
        else:
            self.stdout.write(f"{company} exists already; {email} is invited as another admin.")
        self.stdout.write(
            f"An invitation to {email} is queued: a Celery worker e-mails it (EMAIL_URL), with "
            f"a link on {settings.PUBLIC_BASE_URL} (PUBLIC_BASE_URL) valid for "
            f"{(invitation.expires_at - invitation.created_at).days} days. There the admin "
            "chooses a password, sets up two-factor sign-in and connects a WhatsApp number."
        )
