"""Receiving Meta's webhooks: check, store raw in one INSERT, process later.

Framework-free on purpose: the Django view and the lean ASGI route both call `accept_delivery`.
"""

import json
from dataclasses import dataclass
from itertools import chain

from django.conf import settings
from django.db import transaction

from contactcenter import metrics
from contactcenter.counters import count_in_window
from contactcenter.realtime.publish import enqueue_on_commit
from inbox.channels.whatsapp.parser import named_phone_number_ids, named_waba_ids
from inbox.channels.whatsapp.signature import is_valid_signature
from inbox.models import Channel, DeliveryState, WebhookDelivery
from inbox.selectors import channels_by_phone_number_id, channels_by_waba_id

MAX_BODY_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


def check_verification(params: dict) -> Answer:
    """Meta's GET handshake: echo hub.challenge only for a verify token we issued."""
    token = params.get("hub.verify_token") or ""
    if params.get("hub.mode") != "subscribe" or not token:
        return Answer(403, "Verification refused.")
    if not Channel.objects.filter(verify_token=token, is_active=True).exists():
        return Answer(403, "Verification refused.")
    return Answer(200, str(params.get("hub.challenge", "")))


@metrics.observe_webhook_intake
def accept_delivery(
    raw_body: bytes, signature: str | None, *, client_ip: str | None = None
) -> Answer:
    """Signature first, then one INSERT; processing is queued for after the commit.

    `client_ip` (contactcenter.clientip) bounds what one sender may store unsigned.
    """
    if len(raw_body) > MAX_BODY_BYTES:
        return Answer(413, "Body over 3 MB.")
    try:
        body = json.loads(raw_body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return Answer(400, "Body is not JSON.")
    if not isinstance(body, dict):
        return Answer(400, "Body is not a JSON object.")
    if not signature:
        return Answer(401, "Missing X-Hub-Signature-256.")
    # Who the payload names: each number, and the business account of each change that is
    # applied to an account rather than a number (template and account events).
    numbers = channels_by_phone_number_id(named_phone_number_ids(body))
    accounts = channels_by_waba_id(named_waba_ids(body))
    if not numbers and not accounts:
        # Names nothing of ours: kept for operators to see, never given to a tenant. Anyone can
        # send these, so only their start is kept, of a few a minute: enough to diagnose a
        # misconfigured number (swept after WEBHOOK_ORPHAN_RETENTION_DAYS).
        kept = raw_body[: settings.WEBHOOK_ORPHAN_MAX_BYTES]
        if not _may_keep_orphan(len(kept), client_ip):
            return Answer(429, "Too many deliveries for numbers that are not registered here.")
        _store(kept, signature, signed=None, tenant_id=None, state=DeliveryState.ORPHAN)
        return Answer(200, "OK")
    signed = signed_channels(raw_body, signature, [*numbers.values(), *chain(*accounts.values())])
    # One app signs one delivery: everything it names must be signed for, or whoever holds
    # one app's secret could write into another app's (another tenant's) numbers. An account
    # is signed for by the app of any of its numbers.
    if not all(c.pk in signed for c in numbers.values()) or not all(
        any(c.pk in signed for c in group) for group in accounts.values()
    ):
        return Answer(401, "Bad signature.")
    tenants = {c.tenant_id for c in signed.values()}
    tenant_id = tenants.pop() if len(tenants) == 1 else None
    _store(raw_body, signature, signed=signed, tenant_id=tenant_id, state=DeliveryState.PENDING)
    return Answer(200, "OK")


def _may_keep_orphan(size: int, client_ip: str | None) -> bool:
    """Per client IP first, so one sender cannot spend everyone's budget; then in all, in
    deliveries and in bytes."""
    per_ip = count_in_window(f"webhooks:orphans:ip:{client_ip or 'unknown'}", 60)
    return (
        per_ip <= settings.WEBHOOK_ORPHANS_PER_IP_PER_MINUTE
        and count_in_window("webhooks:orphans", 60) <= settings.WEBHOOK_ORPHANS_PER_MINUTE
        and count_in_window("webhooks:orphans:bytes", 60, amount=size)
        <= settings.WEBHOOK_ORPHAN_BYTES_PER_MINUTE
    )


def signed_channels(raw_body: bytes, signature: str, channels: list[Channel]) -> dict[int, Channel]:
    """The channels whose app secret signed these bytes (each distinct secret is tried once)."""
    by_secret: dict[str, list[Channel]] = {}
    for channel in channels:
        by_secret.setdefault(channel.app_secret, []).append(channel)
    return {
        c.pk: c
        for secret, group in by_secret.items()
        if is_valid_signature(raw_body, signature, [secret])
        for c in group
    }


@transaction.atomic
def _store(
    raw_body: bytes, signature: str, *, signed: dict[int, Channel] | None, tenant_id, state: str
) -> None:
    delivery = WebhookDelivery.objects.create(
        body=raw_body,
        signature=signature[:80],
        signature_verified=signed is not None,
        signed_channel_ids=sorted(signed or ()),
        tenant_id=tenant_id,
        state=state,
    )
    if state == DeliveryState.PENDING:
        from inbox.tasks import process_webhook

        enqueue_on_commit(process_webhook, delivery.pk)
