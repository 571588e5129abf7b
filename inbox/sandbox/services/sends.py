"""What Meta does when the business sends (`POST /{phone_number_id}/messages`): the checks and
limits, the message stored, and the status webhooks it is owed (sent → delivered → read, or
one failed; played for a voice note); the business marking a customer's messages read."""

import random
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contactcenter.counters import count_in_window

from .. import payloads
from ..errors import GraphApiError
from ..models import (
    Direction,
    SandboxCustomer,
    SandboxMedia,
    SandboxMessage,
    SandboxNumber,
    SandboxTemplate,
    SandboxWebhook,
    TemplateStatus,
)
from ..validation import (
    MEDIA_KINDS,
    check_mark_read,
    check_send_body,
    check_template_send,
    is_media_acceptable,
)
from .webhooks import deliver_on_commit

# Reference §7.5: one message every 6 s to the same user, or bursts of up to 45 borrowed from
# the future (then the pair waits as long as the burst would have taken).
PAIR_INTERVAL = timedelta(seconds=6)
PAIR_BURST = 45


def check_throughput(number: SandboxNumber) -> None:
    """Per-number messages per second, counted in Redis; over it → 130429 (reference §7.4)."""
    if count_in_window(f"sandbox:throughput:{number.phone_number_id}", 1) > number.throughput_per_s:
        raise GraphApiError(130429, "Cloud API message throughput has been reached.")


def check_pair_rate(customer: SandboxCustomer, now) -> None:
    """GCRA on the (locked) customer row: each send moves the pair's theoretical arrival time
    one interval on; a send that would put it more than the burst ahead gets 131056."""
    tat = max(customer.pair_tat or now, now)
    if tat - now > PAIR_INTERVAL * (PAIR_BURST - 1):
        raise GraphApiError(
            131056,
            "Message failed to send because there were too many messages sent from this phone "
            "number to the same phone number in a short period of time.",
        )
    customer.pair_tat = tat + PAIR_INTERVAL
    customer.save(update_fields=["pair_tat"])


def _check_template(number: SandboxNumber, obj: dict) -> SandboxTemplate:
    name, language = obj["name"], obj["language"]["code"]
    template = SandboxTemplate.objects.filter(
        waba_id=number.waba_id, name=name, language=language
    ).first()
    if template is None or template.status in (TemplateStatus.PENDING, TemplateStatus.REJECTED):
        raise GraphApiError(132001, f"template name ({name}) does not exist in {language}")
    if template.status == TemplateStatus.PAUSED:
        raise GraphApiError(132015, f"Template {name} is paused for low quality.")
    if template.status == TemplateStatus.DISABLED:
        raise GraphApiError(132016, f"Template {name} is disabled.")
    check_template_send(template.components, template.parameter_format, obj.get("components", []))
    return template


def _check_media_id(number: SandboxNumber, kind: str, obj: dict) -> int | None:
    """Unknown id → 131009 now; a file of the wrong type → async 131053, as Meta."""
    if not obj.get("id"):
        return None
    media = SandboxMedia.objects.filter(number=number, media_id=str(obj["id"])).first()
    if media is None:
        raise GraphApiError(131009, f"Invalid media id {obj['id']!r} for {kind}.")
    if not is_media_acceptable(kind, media.mime_type, media.file_size):
        return 131053
    return None


@transaction.atomic
def accept_send(number: SandboxNumber, body: dict) -> dict:
    """`POST /{phone_number_id}/messages`: validate, store, schedule the status webhooks."""
    if not isinstance(body, dict):
        raise GraphApiError(100, "The request body must be a JSON object.")
    if "status" in body and "to" not in body:
        return mark_read(number, body)
    check_throughput(number)
    wa_id, kind = check_send_body(body)
    if wa_id == re.sub(r"\D", "", number.display_phone_number):
        raise GraphApiError(131021, "The recipient is the sending business number.")
    template = _check_template(number, body["template"]) if kind == "template" else None
    failure_code = _check_media_id(number, kind, body[kind]) if kind in MEDIA_KINDS else None
    customer, _ = SandboxCustomer.objects.select_for_update().get_or_create(
        number=number, wa_id=wa_id
    )
    check_pair_rate(customer, timezone.now())
    is_open = customer.is_within_window()
    if kind != "template" and not is_open:
        failure_code = 131047
    if (
        kind == "reaction"
        and not customer.messages.filter(wamid=body["reaction"]["message_id"]).exists()
    ):
        failure_code = 131009
    message = SandboxMessage.objects.create(
        number=number,
        customer=customer,
        direction=Direction.OUTBOUND,
        wamid=payloads.new_wamid(),
        type=kind,
        body={k: v for k, v in body.items() if k != "messaging_product"},
        failure_code=failure_code,
        timeline=[{"status": "accepted", "at": timezone.now().isoformat()}],
    )
    _schedule_statuses(message)
    entry: dict = {"id": message.wamid}
    if template is not None:
        entry["message_status"] = "accepted"
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": body["to"], "wa_id": wa_id}],
        "messages": [entry],
    }


def _schedule_statuses(message: SandboxMessage) -> None:
    """sent → delivered → read (or one failed), each its own webhook, `delay` apart."""
    plan = ["failed"] if message.failure_code else ["sent", "delivered", "read"]
    if settings.SANDBOX_SHUFFLE_STATUSES:
        random.shuffle(plan)
    delay = settings.SANDBOX_STATUS_DELAY_S
    now = timezone.now()
    for position, status in enumerate(plan):
        countdown = delay * (position + 1)
        webhook = SandboxWebhook.objects.create(
            number=message.number,
            message=message,
            status=status,
            due_at=now + timedelta(seconds=countdown),
            is_duplicated=random.random() < settings.SANDBOX_DUPLICATE_STATUSES,
        )
        deliver_on_commit(webhook, countdown=countdown)


@transaction.atomic
def play_voice(number: SandboxNumber, *, wa_id: str, wamid: str) -> SandboxWebhook | None:
    """The customer plays a voice message for the first time: a `played` status webhook (only
    audio sent with `voice: true`, reference §3.2.6). None when there is no such message left
    to play."""
    message = (
        SandboxMessage.objects.select_for_update()
        .filter(
            number=number,
            customer__wa_id=wa_id,
            wamid=wamid,
            direction=Direction.OUTBOUND,
            type="audio",
            body__audio__voice=True,
        )
        .exclude(status="failed")
        .first()
    )
    if message is None or message.webhooks.filter(status="played").exists():
        return None
    webhook = SandboxWebhook.objects.create(number=number, message=message, status="played")
    deliver_on_commit(webhook)
    return webhook


@transaction.atomic
def mark_read(number: SandboxNumber, body: dict) -> dict:
    """`{"status":"read","message_id":…}`: the business read it, and every earlier one."""
    message_id = check_mark_read(body)
    message = SandboxMessage.objects.filter(
        number=number, wamid=message_id, direction=Direction.INBOUND
    ).first()
    if message is None:
        raise GraphApiError(100, f"Invalid parameter: message_id {message_id!r} is not known.")
    now = timezone.now().isoformat()
    for earlier in (
        SandboxMessage.objects.select_for_update()
        .filter(
            customer=message.customer,
            direction=Direction.INBOUND,
            created_at__lte=message.created_at,
        )
        .exclude(status="read")
    ):
        earlier.status = "read"
        earlier.timeline = [*earlier.timeline, {"status": "read", "at": now}]
        earlier.save(update_fields=["status", "timeline"])
    return {"success": True}
