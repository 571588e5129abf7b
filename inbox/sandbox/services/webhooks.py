"""The webhooks the sandbox owes our receiver, posted signed as Meta does: a status webhook's
body is built when its moment comes (batched statuses riding along), then retried with backoff.
Switched off (production), the sandbox posts nothing."""

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contactcenter import celery_app

from .. import payloads, transport
from ..errors import status_error
from ..models import STATUS_RANK, SandboxMessage, SandboxTemplate, SandboxWebhook

WEBHOOK_MAX_ATTEMPTS = 8
STATUSES_PER_WEBHOOK = 100  # with batching on (Meta: up to 1,000)


class SandboxDisabled(RuntimeError):
    """SANDBOX_ENABLED is off (production): the sandbox does nothing."""


def require_enabled() -> None:
    if not settings.SANDBOX_ENABLED:
        raise SandboxDisabled("The sandbox Graph API is switched off (SANDBOX_ENABLED=False).")


def enqueue_on_commit(task_name: str, *args, countdown: float = 0) -> None:
    """Queues a sandbox task by its registered name (tasks.py imports these services) after
    commit, `countdown` seconds later. Not contactcenter's enqueue_named_on_commit, which logs a
    broker failure and carries on: no relay sweeps the sandbox's webhooks, so the caller hears."""
    transaction.on_commit(
        lambda: celery_app.signature(task_name, args=args).apply_async(countdown=countdown)
    )


def deliver_on_commit(webhook: SandboxWebhook, *, countdown: float = 0) -> None:
    enqueue_on_commit("sandbox.deliver_webhook", webhook.pk, countdown=countdown)


def deliver_webhook(webhook_id: int) -> bool:
    """One attempt: build a status body when its moment comes, POST the exact bytes signed.

    Returns True when done (delivered, or nothing left to do), False to retry later.
    """
    require_enabled()
    with transaction.atomic():
        webhook = (
            SandboxWebhook.objects.select_for_update(of=("self",))
            .select_related("number", "message__customer", "message__number")
            .filter(pk=webhook_id, delivered_at__isnull=True, batched_into__isnull=True)
            .first()
        )
        if webhook is None:  # delivered, or riding in another webhook's POST
            return True
        if not webhook.body:
            webhook.body = _status_body(webhook)
        webhook.attempts += 1
        webhook.save(update_fields=["body", "attempts"])
    number = webhook.number
    url = number.webhook_url or settings.SANDBOX_WEBHOOK_URL
    raw = webhook.body.encode()
    code, error = transport.post_signed(url, raw, number.app_secret)
    webhook.last_status_code = code
    webhook.last_error = error
    if code == 200:
        webhook.delivered_at = timezone.now()
        webhook.riders.update(delivered_at=webhook.delivered_at)
        if webhook.is_duplicated:
            transport.post_signed(url, raw, number.app_secret)
    webhook.save(update_fields=["last_status_code", "last_error", "delivered_at"])
    return code == 200 or webhook.attempts >= WEBHOOK_MAX_ATTEMPTS


def retry_delay_s(attempt: int) -> int:
    """Exponential backoff between webhook attempts: 2, 4, 8 … up to 10 minutes."""
    return min(2 ** (attempt + 1), 600)


def _status_body(webhook: SandboxWebhook) -> str:
    """The statuses the webhook carries: its own, then (batching on) those of the number that
    are due by now and not sent yet, which ride along (Meta batches up to 1,000 updates a POST,
    reference §1; not guaranteed, so off unless SANDBOX_BATCH_STATUSES)."""
    riders = _due_statuses(webhook) if settings.SANDBOX_BATCH_STATUSES else []
    messages = {webhook.message_id: webhook.message}
    for rider in riders:  # one instance per message, so each status lands on its timeline
        rider.message = messages.setdefault(rider.message_id, rider.message)
    items = [_status_item(status) for status in [webhook, *riders]]
    return payloads.encode(payloads.status_payload(webhook.number, items)).decode()


def _due_statuses(webhook: SandboxWebhook) -> list[SandboxWebhook]:
    """Other statuses of the number that are due, claimed for this webhook (SKIP LOCKED: a
    status another delivery is building stays with it)."""
    due = list(
        SandboxWebhook.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("message__customer", "message__number")
        .filter(
            number=webhook.number,
            message__isnull=False,
            body="",
            delivered_at__isnull=True,
            batched_into__isnull=True,
            due_at__lte=timezone.now(),
        )
        .exclude(pk=webhook.pk)
        .order_by("due_at", "pk")[: STATUSES_PER_WEBHOOK - 1]
    )
    SandboxWebhook.objects.filter(pk__in=[rider.pk for rider in due]).update(batched_into=webhook)
    return due


def _status_item(webhook: SandboxWebhook) -> dict:
    message = webhook.message
    errors = [status_error(message.failure_code)] if webhook.status == "failed" else None
    template = None
    if message.type == "template":
        template = SandboxTemplate.objects.filter(
            waba_id=message.number.waba_id,
            name=message.body["template"]["name"],
            language=message.body["template"]["language"]["code"],
        ).first()
    pricing_info = None
    if webhook.status in ("sent", "delivered"):
        if template is not None:
            is_free = (
                template.category == "UTILITY"
                and message.failure_code is None
                and message.customer.is_within_window(message.created_at)
            )
            pricing_info = payloads.pricing(category=template.category.lower(), is_free=is_free)
        else:
            pricing_info = payloads.pricing(category="service", is_free=True)
    item = payloads.status_item(
        wamid=message.wamid,
        status=webhook.status,
        timestamp=int(time.time()),
        recipient_id=message.customer.wa_id,
        pricing_info=pricing_info,
        errors=errors,
        callback_data=message.body.get("biz_opaque_callback_data", ""),
    )
    _apply_status(message, webhook.status, errors)
    return item


def _apply_status(message: SandboxMessage, status: str, errors: list | None) -> None:
    """Timeline records every status; the current one never goes back (reference §3.3)."""
    entry: dict = {"status": status, "at": timezone.now().isoformat()}
    if errors:
        entry["errors"] = errors
    message.timeline = [*message.timeline, entry]
    if message.status != "failed" and STATUS_RANK[status] > STATUS_RANK[message.status]:
        message.status = status
    message.save(update_fields=["status", "timeline"])
