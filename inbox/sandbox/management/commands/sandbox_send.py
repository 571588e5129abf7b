"""Write to the business as a sandbox customer: `manage.py sandbox_send --number … --from …`."""

import json
import mimetypes
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inbox.sandbox import payloads
from inbox.sandbox.models import SandboxNumber
from inbox.sandbox.services.inbound import send_inbound
from inbox.sandbox.services.webhooks import SandboxDisabled


class Command(BaseCommand):
    help = "Sends an inbound WhatsApp message from a customer to a sandbox number (signed webhook)."

    def add_arguments(self, parser):
        parser.add_argument("--number", required=True, help="phone_number_id of the sandbox number")
        parser.add_argument("--from", dest="wa_id", required=True, help="customer's wa_id")
        parser.add_argument("--name", default="", help="customer's profile name")
        parser.add_argument("--kind", default="text", choices=payloads.INBOUND_KINDS)
        parser.add_argument("--text", default="", help="text body, caption or button text")
        parser.add_argument("--file", help="media file to send (image, audio, video, document…)")
        parser.add_argument("--reply-to", default="", help="wamid quoted (context)")
        parser.add_argument("--reply-id", default="", help="button/list reply id")
        parser.add_argument("--title", default="", help="button/list reply title")
        parser.add_argument("--payload", default="", help="template quick-reply payload")
        parser.add_argument("--message-id", default="", help="wamid reacted to")
        parser.add_argument("--emoji", default="", help="reaction emoji; empty removes it")
        parser.add_argument("--latitude", type=float)
        parser.add_argument("--longitude", type=float)
        parser.add_argument("--place", default="", help="location name")
        parser.add_argument("--new-wa-id", default="", help="system: the customer's new number")
        parser.add_argument("--json", dest="extra", default="{}", help="more fields, as JSON")
        parser.add_argument("--queue", action="store_true", help="deliver through Celery instead")

    def handle(self, *args, **options):
        number = SandboxNumber.objects.filter(phone_number_id=options["number"]).first()
        if number is None:
            raise CommandError(f"No sandbox number {options['number']}; run seed_demo first.")
        kind = options["kind"]
        fields = self._fields(kind, options)
        try:
            webhook = send_inbound(
                number,
                wa_id=options["wa_id"],
                name=options["name"],
                kind=kind,
                deliver_now=not options["queue"],
                **fields,
            )
        except (ValueError, KeyError, SandboxDisabled) as exc:
            raise CommandError(str(exc)) from exc
        wamid = json.loads(webhook.body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        if options["queue"]:
            self.stdout.write(f"Queued {kind} {wamid}")
        elif webhook.delivered_at:
            self.stdout.write(self.style.SUCCESS(f"Delivered {kind} {wamid}"))
        else:
            raise CommandError(
                f"Webhook {wamid} not accepted ({webhook.last_status_code}): {webhook.last_error}"
            )

    def _fields(self, kind: str, options) -> dict:
        fields: dict = json.loads(options["extra"])
        text = options["text"]
        if options["reply_to"]:
            fields["reply_to"] = options["reply_to"]
        if kind == "text":
            if not text:
                raise CommandError("--text is required for a text message.")
            fields["text"] = text
        elif kind in payloads.MEDIA_INBOUND_KINDS:
            if options["file"]:
                path = Path(options["file"])
                fields["content"] = path.read_bytes()
                fields["mime_type"] = mimetypes.guess_type(path.name)[0] or "application/pdf"
                fields["filename"] = path.name
            if text:
                fields["caption"] = text
        elif kind == "location":
            if options["latitude"] is None or options["longitude"] is None:
                raise CommandError("--latitude and --longitude are required.")
            fields.update(latitude=options["latitude"], longitude=options["longitude"])
            if options["place"]:
                fields["place_name"] = options["place"]
        elif kind in ("button_reply", "list_reply"):
            fields.update(reply_id=options["reply_id"], title=options["title"] or text)
        elif kind == "button":
            fields.update(payload=options["payload"] or text, text=text or options["payload"])
        elif kind == "reaction":
            fields.update(message_id=options["message_id"], emoji=options["emoji"])
        elif kind == "system":
            fields["new_wa_id"] = options["new_wa_id"]
        return fields
