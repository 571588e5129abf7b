"""A customer's phone writing in: any kind of message of reference §2, stored on the sandbox
and sent to our receiver as a Meta-shaped, signed `messages` webhook."""

import base64
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import payloads
from ..models import Direction, SandboxCustomer, SandboxMessage, SandboxNumber, SandboxWebhook
from .media import media_download_url, store_media
from .webhooks import deliver_on_commit, deliver_webhook, require_enabled

# Small but real files, so a customer's "photo" opens in the product.
PLACEHOLDER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
PLACEHOLDER_MEDIA = {
    "image": (PLACEHOLDER_PNG, "image/png", "photo.png"),
    "sticker": (
        b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
        "image/webp",
        "sticker.webp",
    ),
    "audio": (b"OggS" + b"\x00" * 60, "audio/ogg", "audio.ogg"),
    "voice": (b"OggS" + b"\x00" * 60, "audio/ogg; codecs=opus", "voice.ogg"),
    "video": (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40, "video/mp4", "video.mp4"),
    "document": (b"%PDF-1.4\n%sandbox\n%%EOF\n", "application/pdf", "document.pdf"),
}


def _last_business_message(customer: SandboxCustomer, types: tuple[str, ...]):
    return (
        customer.messages.filter(direction=Direction.OUTBOUND, type__in=types)
        .order_by("-created_at", "-pk")
        .first()
    )


def _inbound_fields(number: SandboxNumber, customer, kind: str, fields: dict) -> dict:
    fields = dict(fields)
    if kind in payloads.MEDIA_INBOUND_KINDS:
        default_content, default_mime, default_name = PLACEHOLDER_MEDIA[kind]
        media = store_media(
            number,
            content=fields.pop("content", None) or default_content,
            mime_type=fields.pop("mime_type", None) or default_mime,
            filename=fields.get("filename") or default_name,
        )
        fields["media"] = {
            "id": media.media_id,
            "mime_type": media.mime_type,
            "sha256": payloads.b64_sha256(media.sha256),
            "url": media_download_url(media, settings.SANDBOX_PUBLIC_BASE),
            "filename": media.filename,
        }
    if kind in ("button_reply", "list_reply", "nfm_reply", "button") and not fields.get("reply_to"):
        last = _last_business_message(customer, ("interactive", "template"))
        if last is not None:
            fields["reply_to"] = last.wamid
    if kind == "contacts" and not fields.get("contacts"):
        fields["contacts"] = [
            {
                "name": {
                    "formatted_name": fields.get("contact_name", "Carlos Lima"),
                    "first_name": fields.get("contact_name", "Carlos Lima").split()[0],
                },
                "phones": [
                    {
                        "phone": "+" + fields.get("contact_phone", "5511912345678"),
                        "wa_id": fields.get("contact_phone", "5511912345678"),
                        "type": "CELL",
                    }
                ],
            }
        ]
    if kind == "order":
        fields.setdefault("catalog_id", "194836987003835")
        fields.setdefault(
            "product_items",
            [{"product_retailer_id": "SKU-1", "quantity": 1, "item_price": 9.9, "currency": "USD"}],
        )
    if kind == "nfm_reply":
        fields.setdefault("response", {})
    return fields


@transaction.atomic
def _record_inbound(
    number: SandboxNumber, *, wa_id: str, name: str, kind: str, fields: dict
) -> SandboxWebhook:
    customer, _ = SandboxCustomer.objects.select_for_update().get_or_create(
        number=number, wa_id=wa_id
    )
    now = timezone.now()
    name = name or customer.profile_name or "Customer"
    fields = _inbound_fields(number, customer, kind, fields)
    message_item = payloads.inbound_message(
        kind,
        wa_id=wa_id,
        wamid=payloads.new_wamid(),
        timestamp=int(now.timestamp()),
        business_number=number.display_phone_number,
        fields={**fields, "name": name},
    )
    customer.profile_name = name
    if kind != "system":  # any user message except system opens the window (§7.1)
        customer.last_message_at = now
    customer.save(update_fields=["profile_name", "last_message_at"])
    if kind == "system":
        SandboxCustomer.objects.get_or_create(
            number=number, wa_id=fields["new_wa_id"], defaults={"profile_name": name}
        )
    SandboxMessage.objects.create(
        number=number,
        customer=customer,
        direction=Direction.INBOUND,
        wamid=message_item["id"],
        type=kind,
        body=message_item,
        status="delivered",
        timeline=[{"status": "delivered", "at": now.isoformat()}],
    )
    payload = payloads.inbound_payload(number, wa_id=wa_id, name=name, message=message_item)
    return SandboxWebhook.objects.create(number=number, body=payloads.encode(payload).decode())


def send_inbound(
    number: SandboxNumber,
    *,
    wa_id: str,
    name: str = "",
    kind: str,
    deliver_now: bool = False,
    **fields,
) -> SandboxWebhook:
    """A customer writes in: a Meta-shaped, signed `messages` webhook for any kind of §2.

    `deliver_now` POSTs in this call (command line); otherwise a task does after commit.
    """
    require_enabled()
    if kind not in payloads.INBOUND_KINDS:
        raise ValueError(f"Unknown kind {kind!r}; use one of {', '.join(payloads.INBOUND_KINDS)}.")
    wa_id = re.sub(r"\D", "", wa_id)
    webhook = _record_inbound(number, wa_id=wa_id, name=name, kind=kind, fields=fields)
    if deliver_now:
        deliver_webhook(webhook.pk)
        webhook.refresh_from_db()
    else:
        deliver_on_commit(webhook)
    return webhook
