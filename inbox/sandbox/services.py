"""Every write of the sandbox: what Meta does when the business calls the Graph API, and what a
customer's phone does when it writes in. Side effects (webhooks) go out after commit."""

import base64
import hashlib
import hmac
import random
import re
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contactcenter.counters import count_in_window

from . import payloads, transport
from .errors import GraphApiError, status_error
from .models import (
    STATUS_RANK,
    Direction,
    SandboxCustomer,
    SandboxMedia,
    SandboxMessage,
    SandboxNumber,
    SandboxTemplate,
    SandboxWebhook,
    TemplateStatus,
)
from .validation import (
    MEDIA_KINDS,
    MEDIA_RULES,
    check_mark_read,
    check_send_body,
    check_template_send,
    is_media_acceptable,
    kind_of_mime,
    placeholders,
)

WINDOW = timedelta(hours=24)
MEDIA_URL_TTL_S = 300
WEBHOOK_MAX_ATTEMPTS = 8
STATUSES_PER_WEBHOOK = 100  # with batching on (Meta: up to 1,000)

# The demo number the seed creates; the product's demo Channel uses the same credentials.
DEMO_NUMBER = {
    "phone_number_id": "106540000000001",
    "waba_id": "109876543210123",
    "display_phone_number": "15550001111",
    "verified_name": "Acme Demo",
    "app_secret": "sandbox-demo-app-secret",
    "access_token": "sandbox-demo-access-token",
    "verify_token": "sandbox-demo-verify-token",
}


class SandboxDisabled(RuntimeError):
    """SANDBOX_ENABLED is off (production): the sandbox does nothing."""


def require_enabled() -> None:
    if not settings.SANDBOX_ENABLED:
        raise SandboxDisabled("The sandbox Graph API is switched off (SANDBOX_ENABLED=False).")


def _enqueue_on_commit(task, *args, countdown: float = 0) -> None:
    transaction.on_commit(lambda: task.apply_async(args=args, countdown=countdown))


# --- numbers and auth ------------------------------------------------------------------------


@transaction.atomic
def ensure_sandbox_number(
    *,
    phone_number_id: str = DEMO_NUMBER["phone_number_id"],
    waba_id: str = DEMO_NUMBER["waba_id"],
    display_phone_number: str = DEMO_NUMBER["display_phone_number"],
    verified_name: str = DEMO_NUMBER["verified_name"],
    app_secret: str = DEMO_NUMBER["app_secret"],
    access_token: str = DEMO_NUMBER["access_token"],
    verify_token: str = DEMO_NUMBER["verify_token"],
    webhook_url: str = "",
    throughput_per_s: int = 80,
) -> SandboxNumber:
    """Creates the number or brings it to these values (idempotent, for seed code)."""
    number, _ = SandboxNumber.objects.update_or_create(
        phone_number_id=phone_number_id,
        defaults={
            "waba_id": waba_id,
            "display_phone_number": display_phone_number,
            "verified_name": verified_name,
            "app_secret": app_secret,
            "access_token": access_token,
            "verify_token": verify_token,
            "webhook_url": webhook_url,
            "throughput_per_s": throughput_per_s,
        },
    )
    return number


def bearer_token(authorization: str | None) -> str:
    match = re.fullmatch(r"\s*Bearer\s+(\S+)\s*", authorization or "", flags=re.IGNORECASE)
    return match.group(1) if match else ""


def authenticate(token: str) -> SandboxNumber:
    """The number whose access token this is, else Graph's 190 / HTTP 401."""
    number = SandboxNumber.objects.filter(access_token=token).first() if token else None
    if number is None:
        raise GraphApiError(190)
    return number


def _no_such_object(node_id: str) -> GraphApiError:
    return GraphApiError(
        100,
        f"Unsupported request. Object with ID '{node_id}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation.",
        subcode=33,
    )


def number_for(token: str, phone_number_id: str) -> SandboxNumber:
    number = authenticate(token)
    if number.phone_number_id != phone_number_id:
        raise _no_such_object(phone_number_id)
    return number


def waba_for(token: str, waba_id: str) -> SandboxNumber:
    number = authenticate(token)
    if number.waba_id != waba_id:
        raise _no_such_object(waba_id)
    return number


def phone_number_fields(number: SandboxNumber) -> dict:
    """`GET /{phone_number_id}` (quality, limits, throughput)."""
    return {
        "id": number.phone_number_id,
        "display_phone_number": number.display_phone_number,
        "verified_name": number.verified_name,
        "quality_rating": "GREEN",
        "whatsapp_business_manager_messaging_limit": "TIER_250",
        "throughput": {"level": "STANDARD"},
        "code_verification_status": "VERIFIED",
    }


# --- sending (business → customer) -----------------------------------------------------------


def is_within_window(customer: SandboxCustomer, now=None) -> bool:
    now = now or timezone.now()
    return customer.last_message_at is not None and now - customer.last_message_at < WINDOW


def check_throughput(number: SandboxNumber) -> None:
    """Per-number messages per second, counted in Redis; over it → 130429 (reference §7.4)."""
    if count_in_window(f"sandbox:throughput:{number.phone_number_id}", 1) > number.throughput_per_s:
        raise GraphApiError(130429, "Cloud API message throughput has been reached.")


# Reference §7.5: one message every 6 s to the same user, or bursts of up to 45 borrowed from
# the future (then the pair waits as long as the burst would have taken).
PAIR_INTERVAL = timedelta(seconds=6)
PAIR_BURST = 45


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
    is_open = is_within_window(customer)
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
    from . import tasks

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
        _enqueue_on_commit(tasks.deliver_webhook, webhook.pk, countdown=countdown)


@transaction.atomic
def play_voice(number: SandboxNumber, *, wa_id: str, wamid: str) -> SandboxWebhook | None:
    """The customer plays a voice message for the first time: a `played` status webhook (only
    audio sent with `voice: true`, reference §3.2.6). None when there is no such message left
    to play."""
    from . import tasks

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
    _enqueue_on_commit(tasks.deliver_webhook, webhook.pk)
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


def _apply_status(message: SandboxMessage, status: str, errors: list | None) -> None:
    """Timeline records every status; the current one never goes back (reference §3.3)."""
    entry: dict = {"status": status, "at": timezone.now().isoformat()}
    if errors:
        entry["errors"] = errors
    message.timeline = [*message.timeline, entry]
    if message.status != "failed" and STATUS_RANK[status] > STATUS_RANK[message.status]:
        message.status = status
    message.save(update_fields=["status", "timeline"])


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
                and (is_within_window(message.customer, message.created_at))
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


# --- media -----------------------------------------------------------------------------------


def _media_id() -> str:
    return payloads.new_graph_id()


@transaction.atomic
def store_media(
    number: SandboxNumber, *, content: bytes, mime_type: str, filename: str = ""
) -> SandboxMedia:
    return SandboxMedia.objects.create(
        number=number,
        media_id=_media_id(),
        content=content,
        mime_type=mime_type,
        sha256=hashlib.sha256(content).hexdigest(),
        filename=filename[:255],
    )


def upload_media(number: SandboxNumber, *, fields: dict, upload) -> dict:
    """`POST /{phone_number_id}/media` (multipart): checks type and size like Meta (§5.6)."""
    if fields.get("messaging_product") != "whatsapp":
        raise GraphApiError(
            100, "The parameter messaging_product is required and must be whatsapp."
        )
    if upload is None:
        raise GraphApiError(131008, "The parameter file is required.")
    mime_type = (fields.get("type") or upload.content_type or "").split(";")[0].strip().lower()
    kind = kind_of_mime(mime_type)
    if kind is None:
        raise GraphApiError(131053, f"Unsupported file type {mime_type or 'unknown'}.")
    content = upload.read()
    if len(content) > MEDIA_RULES[kind][1]:
        raise GraphApiError(131053, f"The {kind} is larger than WhatsApp accepts.")
    media = store_media(number, content=content, mime_type=mime_type, filename=upload.name or "")
    return {"id": media.media_id}


def media_for(token: str, media_id: str) -> SandboxMedia:
    number = authenticate(token)
    media = SandboxMedia.objects.filter(number=number, media_id=media_id).first()
    if media is None:
        raise _no_such_object(media_id)
    return media


def _media_hash(media: SandboxMedia, expires: int) -> str:
    message = f"{media.media_id}:{expires}".encode()
    return hmac.new(media.number.app_secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def media_download_url(media: SandboxMedia, base: str) -> str:
    """A URL valid 5 minutes; fetching it still needs the Bearer token (reference §5.6)."""
    expires = int(time.time()) + MEDIA_URL_TTL_S
    return (
        f"{base.rstrip('/')}/download/{media.media_id}/"
        f"?ext={expires}&hash={_media_hash(media, expires)}"
    )


def media_fields(media: SandboxMedia, base: str) -> dict:
    return {
        "messaging_product": "whatsapp",
        "url": media_download_url(media, base),
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "id": media.media_id,
    }


def media_to_download(token: str, media_id: str, *, expires: str, hash_: str) -> SandboxMedia:
    """The media behind a download URL: Bearer required, 404 once the URL expired."""
    media = media_for(token, media_id)
    if not expires.isdigit() or int(expires) < time.time():
        raise GraphApiError(100, "The media URL has expired; get a fresh one.", http_status=404)
    if not hmac.compare_digest(_media_hash(media, int(expires)), hash_):
        raise GraphApiError(100, "The media URL is not valid.", http_status=404)
    return media


@transaction.atomic
def delete_media(media: SandboxMedia) -> dict:
    media.delete()
    return {"success": True}


# --- templates -------------------------------------------------------------------------------

CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
_LANGUAGE_CODES = (
    "af ar az bg bn ca cs da de el en en_GB en_US es es_AR es_ES es_MX et fa fi fil fr ga gu he "
    "hi hr hu id it ja kk ko lo lt lv mk ms mr nb nl pa pl pt_BR pt_PT ro ru sk sl sq sr sv sw "
    "ta te th tr uk ur uz vi zh_CN zh_HK zh_TW"
)
LANGUAGES = frozenset(_LANGUAGE_CODES.split(" "))
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
TEMPLATE_FIELDS = ("name", "language", "status", "category", "components", "parameter_format", "id")


def _bad_template(details: str, subcode: int | None = None) -> GraphApiError:
    return GraphApiError(100, details, subcode=subcode)


def _check_text_component(component: dict, limit: int, what: str, parameter_format: str):
    text = component.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad_template(f"The {what} needs a text.")
    if len(text) > limit:
        raise _bad_template(f"The {what} is {len(text)} characters; the limit is {limit}.", 2388040)
    return placeholders(text, parameter_format)


def check_template_create(body: dict) -> dict:
    """Name, language, category and components as §8.4-§8.5 say; returns clean fields."""
    name = body.get("name")
    if not name:
        raise GraphApiError(131008, "The parameter name is required.")
    if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
        raise _bad_template("Template names use lowercase letters, digits and underscores only.")
    language = body.get("language")
    if language not in LANGUAGES:
        raise _bad_template(f"Language {language!r} is not supported.")
    category = str(body.get("category", "")).upper()
    if category not in CATEGORIES:
        raise _bad_template(f"Category must be one of {', '.join(CATEGORIES)}.")
    parameter_format = str(body.get("parameter_format", "positional")).upper()
    if parameter_format not in ("POSITIONAL", "NAMED"):
        raise _bad_template("parameter_format must be named or positional.")
    components = body.get("components")
    if not isinstance(components, list) or not components:
        raise GraphApiError(131008, "The parameter components is required.")
    types = [str(c.get("type", "")).upper() if isinstance(c, dict) else "" for c in components]
    if types.count("BODY") != 1:
        raise _bad_template("A template needs exactly one BODY component.")
    for component, ctype in zip(components, types, strict=True):
        if ctype == "BODY":
            names = _check_text_component(component, 1024, "body", parameter_format)
            text = component["text"].strip()
            if re.match(r"^\{\{[^}]+\}\}", text) or re.search(r"\{\{[^}]+\}\}$", text):
                raise _bad_template("Variables cannot start or end the body.", 2388299)
            if names and not component.get("example"):
                raise _bad_template("Give example values for the body's variables.")
        elif ctype == "HEADER":
            fmt = str(component.get("format", "TEXT")).upper()
            if fmt == "TEXT":
                names = _check_text_component(component, 60, "header", parameter_format)
                if len(names) > 1:
                    raise _bad_template("A text header takes at most one variable.", 2388047)
            elif fmt not in ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF"):
                raise _bad_template(f"Header format {fmt} is not valid.", 2388047)
        elif ctype == "FOOTER":
            if _check_text_component(component, 60, "footer", parameter_format):
                raise _bad_template("The footer cannot have variables.", 2388073)
        elif ctype == "BUTTONS":
            _check_template_buttons(component.get("buttons"))
        else:
            raise _bad_template(f"Component type {ctype or '(none)'} is not valid.")
    return {
        "name": name,
        "language": language,
        "category": category,
        "parameter_format": parameter_format,
        "components": components,
    }


def _check_template_buttons(buttons) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 10:
        raise _bad_template("BUTTONS takes between 1 and 10 buttons.")
    kinds = [str(b.get("type", "")).upper() for b in buttons if isinstance(b, dict)]
    if len(kinds) != len(buttons):
        raise _bad_template("Each button must be a JSON object.")
    quick = [i for i, k in enumerate(kinds) if k == "QUICK_REPLY"]
    if quick and quick != list(range(quick[0], quick[0] + len(quick))):
        raise _bad_template("Quick reply buttons must be grouped together.")
    if kinds.count("URL") > 2 or kinds.count("PHONE_NUMBER") > 1 or kinds.count("COPY_CODE") > 1:
        raise _bad_template("Too many URL, phone or copy-code buttons.")
    for button, kind in zip(buttons, kinds, strict=True):
        if (
            kind in ("QUICK_REPLY", "URL", "PHONE_NUMBER")
            and not 1 <= len(str(button.get("text", ""))) <= 25
        ):
            raise _bad_template("Button texts have 1 to 25 characters.")
        if kind == "URL" and not str(button.get("url", "")).startswith(("https://", "http://")):
            raise _bad_template("URL buttons need a url.")


@transaction.atomic
def create_template(number: SandboxNumber, body: dict) -> dict:
    """`POST /{waba_id}/message_templates`: PENDING now, reviewed after a short delay."""
    from . import tasks

    if not isinstance(body, dict):
        raise GraphApiError(100, "The request body must be a JSON object.")
    fields = check_template_create(body)
    exists = SandboxTemplate.objects.filter(
        waba_id=number.waba_id, name=fields["name"], language=fields["language"]
    ).exists()
    if exists:
        raise _bad_template(
            f"Content in this language already exists for {fields['name']}.", 2388024
        )
    template = SandboxTemplate.objects.create(
        waba_id=number.waba_id, graph_id=int(payloads.new_graph_id()), **fields
    )
    _enqueue_on_commit(
        tasks.review_template, template.pk, countdown=settings.SANDBOX_TEMPLATE_REVIEW_S
    )
    return {"id": str(template.graph_id), "status": template.status, "category": template.category}


def review_template(template_id: int) -> SandboxTemplate | None:
    """Meta's review: APPROVED, or REJECTED for names starting with `reject` (for demos)."""
    require_enabled()
    template = SandboxTemplate.objects.filter(pk=template_id, status=TemplateStatus.PENDING).first()
    if template is None:
        return None
    if template.name.startswith("reject"):
        return set_template_status(template, TemplateStatus.REJECTED, reason="INVALID_FORMAT")
    return set_template_status(template, TemplateStatus.APPROVED)


def set_template_status(
    template: SandboxTemplate, status: str, *, reason: str = "NONE", deliver_now: bool = False
) -> SandboxTemplate:
    """Changes a template's status and tells our receiver (message_template_status_update)."""
    from . import tasks

    number = SandboxNumber.objects.filter(waba_id=template.waba_id).order_by("pk").first()
    with transaction.atomic():
        template.status = status
        template.rejected_reason = reason if status == TemplateStatus.REJECTED else ""
        template.save(update_fields=["status", "rejected_reason"])
        if number is None:
            return template
        body = payloads.template_status_payload(
            template, event=status, reason=reason, at=int(time.time())
        )
        webhook = SandboxWebhook.objects.create(number=number, body=payloads.encode(body).decode())
        if not deliver_now:
            _enqueue_on_commit(tasks.deliver_webhook, webhook.pk)
    if deliver_now:
        deliver_webhook(webhook.pk)
    return template


def _cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode()


def _uncursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise GraphApiError(100, "Invalid paging cursor.") from None


def template_fields(template: SandboxTemplate, fields: tuple[str, ...]) -> dict:
    row = {
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "components": template.components,
        "parameter_format": template.parameter_format,
        "id": str(template.graph_id),
    }
    return {key: row[key] for key in fields if key in row}


def list_templates(number: SandboxNumber, params, *, next_base: str) -> dict:
    """`GET /{waba_id}/message_templates` with fields, filters and cursor paging (§8.1, §8.7)."""
    requested = tuple(f.strip() for f in params.get("fields", "").split(",") if f.strip())
    fields = tuple(f for f in requested if f in TEMPLATE_FIELDS) or TEMPLATE_FIELDS
    if "id" not in fields:
        fields = (*fields, "id")
    try:
        limit = max(1, min(int(params.get("limit", 25)), 1000))
    except ValueError:
        raise GraphApiError(100, "Param limit must be a number.") from None
    rows = SandboxTemplate.objects.filter(waba_id=number.waba_id).order_by("pk")
    if params.get("status"):
        rows = rows.filter(status=params["status"].upper())
    if params.get("name"):
        rows = rows.filter(name__icontains=params["name"])
    if params.get("after"):
        rows = rows.filter(pk__gt=_uncursor(params["after"]))
    page = list(rows[: limit + 1])
    has_more, page = len(page) > limit, page[:limit]
    body: dict = {"data": [template_fields(t, fields) for t in page]}
    if page:
        paging: dict = {"cursors": {"before": _cursor(page[0].pk), "after": _cursor(page[-1].pk)}}
        if has_more:
            query = {
                **{k: params[k] for k in params if k != "after"},
                "after": _cursor(page[-1].pk),
            }
            paging["next"] = next_base + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        body["paging"] = paging
    return body


# --- customers writing in --------------------------------------------------------------------

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
    from . import tasks

    require_enabled()
    if kind not in payloads.INBOUND_KINDS:
        raise ValueError(f"Unknown kind {kind!r}; use one of {', '.join(payloads.INBOUND_KINDS)}.")
    wa_id = re.sub(r"\D", "", wa_id)
    webhook = _record_inbound(number, wa_id=wa_id, name=name, kind=kind, fields=fields)
    if deliver_now:
        deliver_webhook(webhook.pk)
        webhook.refresh_from_db()
    else:
        transaction.on_commit(lambda: tasks.deliver_webhook.apply_async(args=(webhook.pk,)))
    return webhook
