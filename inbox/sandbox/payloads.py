"""Webhook payloads exactly as Meta shapes them (reference §2, §3, §4.1): pure functions."""

import base64
import json
import secrets
from typing import Any

INBOUND_KINDS = (
    "text",
    "image",
    "audio",
    "voice",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "button_reply",
    "list_reply",
    "nfm_reply",
    "button",
    "reaction",
    "order",
    "system",
    "unsupported",
)
MEDIA_INBOUND_KINDS = ("image", "audio", "voice", "video", "document", "sticker")


def encode(payload: dict) -> bytes:
    """The exact bytes Meta sends: compact separators, non-ASCII escaped (reference §1.2)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()


def new_wamid() -> str:
    return "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18" + secrets.token_bytes(18)).decode()


def new_graph_id() -> str:
    return str(10**14 + secrets.randbelow(9 * 10**14))


def b64_sha256(hex_digest: str) -> str:
    """Webhooks carry the base64 of the SHA-256 (reference §2.3.2); we store the hex."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def metadata(number) -> dict:
    return {
        "display_phone_number": number.display_phone_number,
        "phone_number_id": number.phone_number_id,
    }


def messages_envelope(number, value: dict) -> dict:
    """`field: messages` envelope: no `entry.time` (reference §2.1)."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": number.waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": metadata(number),
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def pricing(*, category: str, is_free: bool) -> dict:
    return {
        "billable": not is_free,
        "pricing_model": "PMP",
        "type": "free_customer_service" if is_free else "regular",
        "category": category,
    }


def status_item(
    *,
    wamid: str,
    status: str,
    timestamp: int,
    recipient_id: str,
    pricing_info: dict | None = None,
    errors: list | None = None,
    callback_data: str = "",
) -> dict:
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(timestamp),
        "recipient_id": recipient_id,
    }
    if callback_data:
        item["biz_opaque_callback_data"] = callback_data
    if pricing_info:
        item["pricing"] = pricing_info
    if errors:
        item["errors"] = errors
    return item


def status_payload(number, items: list[dict]) -> dict:
    return messages_envelope(number, {"statuses": items})


def inbound_payload(number, *, wa_id: str, name: str, message: dict) -> dict:
    """One inbound message; `system` messages come without `contacts` (reference §2.3.15)."""
    value: dict[str, Any] = {}
    if message["type"] != "system":
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"] = [message]
    return messages_envelope(number, value)


def inbound_message(
    kind: str,
    *,
    wa_id: str,
    wamid: str,
    timestamp: int,
    business_number: str,
    fields: dict,
) -> dict:
    """The `messages[]` item for one inbound kind (reference §2.3, §2.4); `fields` per kind."""
    message: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(timestamp)}
    reply_to = fields.get("reply_to")
    if reply_to:
        message["context"] = {"from": business_number, "id": reply_to}
    elif fields.get("forwarded"):
        message["context"] = {"forwarded": True}
    if fields.get("referral"):
        message["referral"] = fields["referral"]
    wire_kind, obj = _inbound_object(kind, wa_id=wa_id, fields=fields)
    message["type"] = wire_kind
    if wire_kind == "unsupported":
        message["errors"] = [
            {
                "code": 131051,
                "title": "Message type unknown",
                "message": "Message type unknown",
                "error_data": {"details": "Message type is currently not supported."},
            }
        ]
    message[wire_kind] = obj
    return message


def _inbound_object(kind: str, *, wa_id: str, fields: dict) -> tuple[str, Any]:
    if kind == "text":
        return "text", {"body": fields["text"]}
    if kind in MEDIA_INBOUND_KINDS:
        wire = "audio" if kind == "voice" else kind
        media = fields["media"]
        obj = {
            "mime_type": media["mime_type"],
            "sha256": media["sha256"],
            "id": media["id"],
            "url": media["url"],
        }
        if wire in ("image", "video", "document") and fields.get("caption"):
            obj["caption"] = fields["caption"]
        if wire == "document":
            obj["filename"] = fields.get("filename") or media.get("filename") or "document"
        if wire == "audio":
            obj["voice"] = kind == "voice"
        if wire == "sticker":
            obj["animated"] = bool(fields.get("animated"))
        return wire, obj
    if kind == "location":
        obj = {"latitude": float(fields["latitude"]), "longitude": float(fields["longitude"])}
        for key, source in (("name", "place_name"), ("address", "address"), ("url", "url")):
            if fields.get(source):
                obj[key] = fields[source]
        return "location", obj
    if kind == "contacts":
        return "contacts", fields["contacts"]
    if kind == "button_reply":
        reply = {"id": fields["reply_id"], "title": fields["title"]}
        return "interactive", {"type": "button_reply", "button_reply": reply}
    if kind == "list_reply":
        reply = {"id": fields["reply_id"], "title": fields["title"]}
        if fields.get("description"):
            reply["description"] = fields["description"]
        return "interactive", {"type": "list_reply", "list_reply": reply}
    if kind == "nfm_reply":
        response = dict(fields.get("response") or {})
        if fields.get("flow_token"):
            response["flow_token"] = fields["flow_token"]
        nfm = {
            "name": "flow",
            "body": "Sent",
            "response_json": json.dumps(response, separators=(",", ":")),
        }
        return "interactive", {"type": "nfm_reply", "nfm_reply": nfm}
    if kind == "button":
        return "button", {"payload": fields["payload"], "text": fields["text"]}
    if kind == "reaction":
        reaction = {"message_id": fields["message_id"]}
        if fields.get("emoji"):
            reaction["emoji"] = fields["emoji"]
        return "reaction", reaction
    if kind == "order":
        order = {"catalog_id": fields["catalog_id"], "product_items": fields["product_items"]}
        if fields.get("text"):
            order["text"] = fields["text"]
        return "order", order
    if kind == "system":
        new_wa_id = fields["new_wa_id"]
        return "system", {
            "body": f"User {fields.get('name') or wa_id} changed from {wa_id} to {new_wa_id}",
            "wa_id": new_wa_id,
            "type": "user_changed_number",
        }
    if kind == "unsupported":
        return "unsupported", {"type": fields.get("unsupported_type", "poll")}
    raise ValueError(f"Unknown inbound kind {kind!r}; use one of {', '.join(INBOUND_KINDS)}.")


def template_status_payload(template, *, event: str, reason: str, at: int) -> dict:
    """`message_template_status_update` (reference §4.1): integer template id and entry time."""
    value: dict[str, Any] = {
        "event": event,
        "message_template_id": template.graph_id,
        "message_template_name": template.name,
        "message_template_language": template.language,
        "reason": reason,
        "message_template_category": template.category,
    }
    if event == "REJECTED" and reason == "INVALID_FORMAT":
        value["rejection_info"] = {
            "reason": "The template's format is not valid.",
            "recommendation": "Fix the variables and examples, then submit it again.",
        }
    if event == "DISABLED":
        value["disable_info"] = {"disable_date": str(at)}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": template.waba_id,
                "time": at,
                "changes": [{"value": value, "field": "message_template_status_update"}],
            }
        ],
    }
