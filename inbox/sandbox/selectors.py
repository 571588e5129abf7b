"""Reads for the customer phone page."""

from django.db.models import QuerySet

from contactcenter.accounts.models import Tenant
from inbox.selectors import tenant_channels

from .models import Direction, SandboxCustomer, SandboxMessage, SandboxNumber

THREAD_LENGTH = 50


def numbers(tenant: Tenant) -> QuerySet[SandboxNumber]:
    """The sandbox numbers the tenant connected as its channels (a phone number id is one
    channel's): the phone speaks only to those, as Meta's test tools only to your numbers."""
    connected = tenant_channels(tenant).order_by().values("phone_number_id")
    return SandboxNumber.objects.filter(phone_number_id__in=connected).order_by("pk")


def customers_of(number: SandboxNumber) -> QuerySet[SandboxCustomer]:
    return number.customers.order_by("-last_message_at", "pk")


def thread(customer: SandboxCustomer) -> list[SandboxMessage]:
    """The last messages of the conversation as the customer sees it, oldest first."""
    rows = customer.messages.order_by("-created_at", "-pk")[:THREAD_LENGTH]
    return list(reversed(rows))


def summary(message: SandboxMessage) -> str:
    """What the phone shows for a message, either way."""
    body = message.body
    kind = message.type
    if message.direction == Direction.INBOUND:
        obj = body.get(body.get("type", ""), {})
        if kind == "text":
            return obj.get("body", "")
        if kind in ("button_reply", "list_reply"):
            return obj.get(kind, {}).get("title", "")
        if kind == "location":
            return f"📍 {obj.get('name') or ''} {obj.get('latitude')}, {obj.get('longitude')}"
        if kind == "reaction":
            return f"Reacted {obj.get('emoji') or '(removed)'}"
        if kind == "button":
            return obj.get("text", "")
        return f"[{kind}] {obj.get('caption', '') if isinstance(obj, dict) else ''}".strip()
    obj = body.get(kind, {})
    if kind == "text":
        return obj.get("body", "")
    if kind == "interactive":
        return obj.get("body", {}).get("text", "")
    if kind == "template":
        params = [
            p.get("text", "")
            for c in obj.get("components", [])
            for p in c.get("parameters", [])
            if p.get("type") == "text"
        ]
        return f"Template {obj.get('name')} ({', '.join(params)})"
    if kind == "reaction":
        return f"Reacted {obj.get('emoji') or '(removed)'}"
    if kind == "location":
        return f"📍 {obj.get('name') or ''} {obj.get('latitude')}, {obj.get('longitude')}"
    if kind == "contacts":
        return "Contact card"
    return f"[{kind}] {obj.get('caption', '') or obj.get('filename', '')}".strip()


def reply_options(customer: SandboxCustomer) -> tuple[str, str, list[dict]]:
    """(kind, wamid, options) for the last business message the customer can tap a reply on."""
    last = (
        customer.messages.filter(direction=Direction.OUTBOUND, type__in=("interactive", "template"))
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is None:
        return "", "", []
    obj = last.body.get(last.type, {})
    if last.type == "interactive" and obj.get("type") == "button":
        options = [b["reply"] for b in obj.get("action", {}).get("buttons", [])]
        return "button_reply", last.wamid, options
    if last.type == "interactive" and obj.get("type") == "list":
        options = [
            row for s in obj.get("action", {}).get("sections", []) for row in s.get("rows", [])
        ]
        return "list_reply", last.wamid, options
    if last.type == "template":
        options = [
            {"id": p.get("payload", ""), "title": p.get("payload", "")}
            for c in obj.get("components", [])
            if c.get("sub_type") == "quick_reply"
            for p in c.get("parameters", [])
        ]
        return ("button", last.wamid, options) if options else ("", "", [])
    return "", "", []
