"""Cloud API webhooks (`messages`, template status updates) into plain values (reference §2, §3).

Pure functions, no database: every entry, change, message and status of a POST is read;
an item that cannot be read becomes a `ParseProblem` so the rest of the batch goes on.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
STATUSES = ("sent", "delivered", "read", "played", "failed")


@dataclass(frozen=True)
class MediaRef:
    id: str
    mime_type: str = ""
    sha256: str = ""
    caption: str = ""
    filename: str = ""
    voice: bool = False
    animated: bool = False


@dataclass(frozen=True)
class InboundMessage:
    phone_number_id: str
    wamid: str
    wa_id: str
    user_id: str
    profile_name: str
    username: str
    timestamp: datetime
    kind: str
    text: str = ""
    media: MediaRef | None = None
    # The quoted message of a reply, or the message a reaction is about.
    reply_to_wamid: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    referral: dict | None = None
    referred_product: dict | None = None
    # What a tap means to a bot: button_reply / list_reply id, or a template button's payload.
    reply_id: str = ""
    # A completed WhatsApp Flow (`nfm_reply.response_json`, parsed).
    flow_response: dict | None = None
    # `unsupported` carries why (code 131051).
    errors: list[dict] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    phone_number_id: str
    wamid: str
    status: str
    timestamp: datetime
    recipient_id: str = ""
    recipient_user_id: str = ""
    errors: list[dict] = field(default_factory=list)
    # Our send's `biz_opaque_callback_data`, echoed by WhatsApp on each status of the message.
    callback_data: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NumberChange:
    """`system` user_changed_number: the customer now writes from `new_wa_id`."""

    phone_number_id: str
    old_wa_id: str
    new_wa_id: str
    user_id: str = ""


@dataclass(frozen=True)
class TemplateStatusChange:
    """`message_template_status_update`: Meta approved, rejected, paused or disabled a template
    of the business account `waba_id`."""

    waba_id: str
    name: str
    language: str
    status: str
    reason: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ParseProblem:
    path: str
    reason: str
    item: Any = None


@dataclass
class ParsedBatch:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    number_changes: list[NumberChange] = field(default_factory=list)
    template_status_changes: list[TemplateStatusChange] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


class BadItem(ValueError):
    pass


def named_phone_number_ids(body: Any) -> set[str]:
    """The business numbers a payload names (to pick the app secret), tolerant of junk."""
    ids: set[str] = set()
    if not isinstance(body, dict):
        return ids
    for entry in _list(body.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            metadata = value.get("metadata") if isinstance(value, dict) else None
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if isinstance(number, str | int) and str(number):
                ids.add(str(number))
    return ids


def named_waba_ids(body: Any) -> set[str]:
    """Business accounts named by the changes applied to an account, not to a number.

    The same rule as `parse_webhook`: a `messages` change is applied to its metadata's number;
    any other (templates, account events) to the entry's account, whatever its metadata says.
    """
    ids: set[str] = set()
    if not isinstance(body, dict):
        return ids
    for entry in _list(body.get("entry")):
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        for change in _list(entry.get("changes")):
            if isinstance(change, dict) and change.get("field") != "messages":
                ids.add(str(entry["id"]))
    return ids


def parse_webhook(body: Any) -> ParsedBatch:
    batch = ParsedBatch()
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        batch.problems.append(ParseProblem("$", "not a webhook envelope (no entry list)", body))
        return batch
    for e, entry in enumerate(body["entry"]):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            batch.problems.append(ParseProblem(f"entry[{e}]", "entry without changes", entry))
            continue
        for c, change in enumerate(changes):
            path = f"entry[{e}].changes[{c}]"
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                batch.problems.append(ParseProblem(path, "change without a value object", change))
                continue
            if change.get("field") == "messages":
                _parse_messages_value(change["value"], path, batch)
            elif change.get("field") == "message_template_status_update":
                batch.template_status_changes.append(
                    _template_status(str(entry.get("id", "")), change["value"])
                )
            # Other fields (quality, account updates) are not used by the product yet.
    return batch


def _template_status(waba_id: str, value: dict) -> TemplateStatusChange:
    return TemplateStatusChange(
        waba_id=waba_id,
        name=str(value.get("message_template_name", "")),
        language=str(value.get("message_template_language", "")),
        status=str(value.get("event", "")),
        # Meta says "NONE" when there is no reason (an approval, say).
        reason="" if value.get("reason") in (None, "", "NONE") else str(value["reason"]),
        raw=value,
    )


def _parse_messages_value(value: dict, path: str, batch: ParsedBatch) -> None:
    metadata = value.get("metadata")
    number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    if not number:
        batch.problems.append(ParseProblem(path, "messages change without phone_number_id", value))
        return
    number = str(number)
    contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
    for i, item in enumerate(_list(value.get("messages"))):
        try:
            parsed = _message(number, item, contacts)
        except BadItem as exc:
            batch.problems.append(ParseProblem(f"{path}.messages[{i}]", str(exc), item))
            continue
        if isinstance(parsed, _SystemChange):
            batch.messages.append(parsed.message)
            if parsed.change is not None:
                batch.number_changes.append(parsed.change)
        else:
            batch.messages.append(parsed)
    for i, item in enumerate(_list(value.get("statuses"))):
        try:
            batch.statuses.append(_status(number, item))
        except BadItem as exc:
            batch.problems.append(ParseProblem(f"{path}.statuses[{i}]", str(exc), item))
    batch.errors.extend(e for e in _list(value.get("errors")) if isinstance(e, dict))


@dataclass(frozen=True)
class _SystemChange:
    message: InboundMessage
    change: NumberChange | None


def _message(number: str, item: Any, contacts: list[dict]):
    if not isinstance(item, dict):
        raise BadItem("message is not an object")
    wamid, kind = item.get("id"), item.get("type")
    if not isinstance(wamid, str) or not wamid:
        raise BadItem("message without id")
    if not isinstance(kind, str) or not kind:
        raise BadItem("message without type")
    wa_id = str(item.get("from") or "")
    user_id = str(item.get("from_user_id") or "")
    contact = _contact_for(contacts, wa_id, user_id)
    # Username users (2026) may come without `from`: the sender contact still names them.
    wa_id = wa_id or str(contact.get("wa_id") or "")
    user_id = user_id or str(contact.get("user_id") or "")
    if not wa_id and not user_id:
        raise BadItem("message without sender (from / from_user_id)")
    profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
    body = item.get(kind) if isinstance(item.get(kind), dict) else {}
    context = item.get("context") if isinstance(item.get("context"), dict) else {}
    change = _number_change(number, wa_id, user_id, body) if kind == "system" else None
    message = InboundMessage(
        phone_number_id=number,
        wamid=wamid,
        # A number change is told from the old number; it belongs to the contact's new one.
        wa_id=change.new_wa_id if change else wa_id,
        user_id=user_id,
        profile_name=str(profile.get("name") or ""),
        username=str(profile.get("username") or ""),
        timestamp=_timestamp(item.get("timestamp")),
        kind=kind,
        text=_text_of(kind, body, item),
        media=_media_of(kind, body),
        reply_to_wamid=str(context.get("id") or body.get("message_id") or "")
        if kind == "reaction"
        else str(context.get("id") or ""),
        forwarded=bool(context.get("forwarded")),
        frequently_forwarded=bool(context.get("frequently_forwarded")),
        referral=item.get("referral") if isinstance(item.get("referral"), dict) else None,
        referred_product=context.get("referred_product")
        if isinstance(context.get("referred_product"), dict)
        else None,
        reply_id=_reply_id_of(kind, body),
        flow_response=_flow_response_of(kind, body),
        errors=[e for e in _list(item.get("errors")) if isinstance(e, dict)],
        raw=item,
    )
    if kind == "system":
        return _SystemChange(message, change)
    return message


def _number_change(number: str, old_wa_id: str, user_id: str, system: dict) -> NumberChange | None:
    """`from` is the old number, `system.wa_id` the new one (reference §2.3.15)."""
    if system.get("type") != "user_changed_number":
        return None
    new_wa_id = str(system.get("wa_id") or "")
    if not old_wa_id or not new_wa_id or old_wa_id == new_wa_id:
        return None
    return NumberChange(number, old_wa_id, new_wa_id, user_id)


def _contact_for(contacts: list[dict], wa_id: str, user_id: str) -> dict:
    for contact in contacts:
        if (wa_id and contact.get("wa_id") == wa_id) or (
            user_id and contact.get("user_id") == user_id
        ):
            return contact
    if len(contacts) == 1 and not (
        (wa_id and contacts[0].get("wa_id")) or (user_id and contacts[0].get("user_id"))
    ):
        # One contact that names nobody else: it is the sender.
        return contacts[0]
    return {}


def _reply_id_of(kind: str, body: dict) -> str:
    if kind == "interactive":
        reply = body.get(body.get("type")) if isinstance(body.get(body.get("type")), dict) else {}
        return str(reply.get("id") or "")
    if kind == "button":
        return str(body.get("payload") or "")
    return ""


def _flow_response_of(kind: str, body: dict) -> dict | None:
    reply = body.get("nfm_reply") if kind == "interactive" else None
    if not isinstance(reply, dict) or body.get("type") != "nfm_reply":
        return None
    try:
        data = json.loads(reply.get("response_json") or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _text_of(kind: str, body: dict, item: dict) -> str:
    """The words a person reads in the inbox for this message, if it has any."""
    if kind == "text":
        return str(body.get("body") or "")
    if kind in MEDIA_KINDS:
        return str(body.get("caption") or "")
    if kind == "interactive":
        reply = body.get(body.get("type")) if isinstance(body.get(body.get("type")), dict) else {}
        if body.get("type") == "nfm_reply":
            return str(reply.get("body") or "Sent")
        return str(reply.get("title") or "")
    if kind == "button":
        return str(body.get("text") or body.get("payload") or "")
    if kind == "reaction":
        return str(body.get("emoji") or "")
    if kind == "location":
        return ", ".join(str(body.get(k)) for k in ("name", "address") if body.get(k))
    if kind == "order":
        return str(body.get("text") or "")
    if kind == "system":
        return str(body.get("body") or "")
    return ""


def _media_of(kind: str, body: dict) -> MediaRef | None:
    if kind not in MEDIA_KINDS:
        return None
    if not body.get("id"):
        raise BadItem(f"{kind} message without media id")
    return MediaRef(
        id=str(body["id"]),
        mime_type=str(body.get("mime_type") or ""),
        sha256=str(body.get("sha256") or ""),
        caption=str(body.get("caption") or ""),
        filename=str(body.get("filename") or ""),
        voice=bool(body.get("voice")),
        animated=bool(body.get("animated")),
    )


def _status(number: str, item: Any) -> StatusUpdate:
    if not isinstance(item, dict):
        raise BadItem("status is not an object")
    wamid, status = item.get("id"), item.get("status")
    if not isinstance(wamid, str) or not wamid:
        raise BadItem("status without id")
    if status not in STATUSES:
        raise BadItem(f"unknown status {status!r}")
    return StatusUpdate(
        phone_number_id=number,
        wamid=wamid,
        status=status,
        timestamp=_timestamp(item.get("timestamp")),
        recipient_id=str(item.get("recipient_id") or ""),
        recipient_user_id=str(item.get("recipient_user_id") or ""),
        errors=[e for e in _list(item.get("errors")) if isinstance(e, dict)],
        callback_data=str(item.get("biz_opaque_callback_data") or "")[:512],
        raw=item,
    )


def _timestamp(value: Any) -> datetime:
    """Unix seconds, a string in `messages` webhooks (an integer is tolerated)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadItem(f"bad timestamp {value!r}")
    try:
        seconds = int(value)
        if seconds <= 0:
            raise ValueError("not after the epoch")
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise BadItem(f"bad timestamp {value!r}") from exc


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


PREVIEW_LABELS = {
    "image": "📷 Photo",
    "video": "🎬 Video",
    "document": "📄 Document",
    "sticker": "Sticker",
    "location": "📍 Location",
    "contacts": "👤 Contact card",
    "order": "🛒 Order",
    "unsupported": "Message type not supported by WhatsApp",
}


def preview_text(message: InboundMessage) -> str:
    """One line for the conversation list."""
    kind = message.kind
    if kind == "audio":
        label = "🎤 Voice message" if message.media and message.media.voice else "🎵 Audio"
    elif kind == "reaction":
        return f"Reacted {message.text}" if message.text else "Removed a reaction"
    elif kind == "contacts":
        names = [
            c.get("name", {}).get("formatted_name", "")
            for c in _list(message.raw.get("contacts"))
            if isinstance(c, dict) and isinstance(c.get("name"), dict)
        ]
        label = "👤 " + ", ".join(n for n in names if n) if any(names) else PREVIEW_LABELS[kind]
    elif kind == "order":
        order = message.raw.get("order") if isinstance(message.raw.get("order"), dict) else {}
        items = sum(_quantity(i) for i in _list(order.get("product_items")))
        label = f"🛒 Order ({items} item{'' if items == 1 else 's'})"
    elif kind == "interactive" and message.flow_response is not None:
        return "📝 Form completed"
    elif kind == "unsupported":
        hint = message.raw.get("unsupported")
        hint = hint.get("type") if isinstance(hint, dict) else None
        return f"{PREVIEW_LABELS[kind]} ({hint})" if hint else PREVIEW_LABELS[kind]
    else:
        label = PREVIEW_LABELS.get(kind, "")
    if message.text:
        return f"{label}: {message.text}" if label and kind != "text" else message.text
    return label or f"[{kind}]"


def _quantity(item: Any) -> int:
    quantity = item.get("quantity") if isinstance(item, dict) else None
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        return 1
    return quantity
