"""Agent and bot replies: queued in the same transaction as their event, delivered by Celery.

Delivery claims the message row (queued → sending) so a retried or duplicated task never sends
twice. A queued message carries `next_attempt_at`, when the relay wakes its sender (again):
so a lost broker message delays it, never loses it, and retries are scheduled there.

After a failed request: an error that proves WhatsApp did not take the message (it refused it,
or the connection was never made) goes back to queued with backoff if it can succeed later, or
fails with a message the agent can act on; a request that may have reached WhatsApp (the answer
was lost) ends "outcome unknown" and is never resent by us. Its status webhook settles it: by its
wamid when we have it, else by the tag every send carries in `biz_opaque_callback_data`, which
WhatsApp echoes on each status of that message (ingest.py `_apply_status`).
"""

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from contactcenter import metrics, pacing, relay
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.realtime.publish import enqueue_on_commit
from inbox.access import check_holds
from inbox.channels.whatsapp import outbound
from inbox.channels.whatsapp.client import GraphClient
from inbox.channels.whatsapp.errors import GraphError, backoff_seconds
from inbox.errors import InvalidContent, WindowClosed
from inbox.models import (
    ChannelKind,
    ContactIdentity,
    Conversation,
    Direction,
    EventType,
    Media,
    MediaState,
    Message,
    MessageStatus,
)

from .events import record_event
from .ingest import CALLBACK_TAG_PREFIX, advance_status, apply_early_statuses

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6
# Meta's pair limit: 1 message per 6 s to one user, bursts of up to 45 (reference §7.5).
PAIR_RATE_PER_S = 1 / 6
PAIR_BURST = 45
# Below the number's throughput so other senders (campaigns, bots) keep headroom.
THROUGHPUT_SHARE = 0.9
# A pacing wait this short is waited out in the task; a longer one is scheduled in the row.
PACE_WAIT_IN_TASK_S = 1.0
UNKNOWN_OUTCOME = GraphError(
    code=None,
    title="Outcome unknown",
    note="The sender lost WhatsApp's answer, so it may or may not have arrived. "
    "Check with the customer before sending it again.",
)


@transaction.atomic(durable=True)
def send_message(
    tenant,
    *,
    principal: Principal,
    conversation: Conversation,
    content: dict,
    reply_to_wamid: str = "",
    idempotency_key: str | None = None,
    attachment: UploadedFile | None = None,
) -> Message:
    """Queues an outbound message; inside the 24-hour window anything, outside only templates.

    An attachment is stored with the message and uploaded to WhatsApp by the sender task.
    """
    principal.require(Scope.INBOX_WRITE)
    if idempotency_key:
        existing = (
            Message.objects.for_tenant(tenant).filter(idempotency_key=idempotency_key).first()
        )
        if existing is not None:
            return existing
    conversation = (
        Conversation.objects.for_tenant(tenant).select_for_update().get(pk=conversation.pk)
    )
    check_holds(principal, conversation)
    if content.get("type") != "template" and not conversation.is_within_window():
        raise WindowClosed()
    return queue_outbound(
        conversation,
        content,
        author=principal.user,
        by="agent" if principal.user else "api",
        reply_to_wamid=reply_to_wamid,
        idempotency_key=idempotency_key,
        attachment=attachment,
    )


def queue_outbound(
    conversation: Conversation,
    content: dict,
    *,
    author,
    by: str,
    reply_to_wamid: str = "",
    idempotency_key: str | None = None,
    attachment: UploadedFile | None = None,
) -> Message:
    """Composed inside a transaction holding the conversation's lock: stores the message and
    its event, and hands it to the sender after commit. A person's first message is the
    conversation's first response."""
    tenant_id, now = conversation.tenant_id, timezone.now()
    message = Message.objects.create(
        tenant_id=tenant_id,
        conversation=conversation,
        channel_id=conversation.channel_id,
        direction=Direction.OUTBOUND,
        kind=content["type"],
        text=outbound.preview_of(content),
        payload=content,
        status=MessageStatus.QUEUED,
        status_at=now,
        reply_to_wamid=reply_to_wamid,
        author=author,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        sent_at=now,
        next_attempt_at=relay.first_wakeup_at(),
    )
    if attachment is not None:
        Media.objects.create(
            tenant_id=tenant_id,
            message=message,
            mime_type=attachment.content_type or "",
            filename=(attachment.name or "")[:255],
            size_bytes=attachment.size,
            file=attachment,
            state=MediaState.READY,
        )
    conversation.last_message_at = now
    conversation.last_message_preview = message.text[:200]
    fields = ["last_message_at", "last_message_preview"]
    if conversation.first_response_at is None and author is not None:
        conversation.first_response_at = now
        fields.append("first_response_at")
    conversation.save(update_fields=fields)
    record_event(
        conversation,
        EventType.MESSAGE_SENT,
        actor=author,
        at=now,
        data={"message": message.pk, "kind": message.kind, "by": by, "preview": message.text[:200]},
    )
    from inbox.tasks import deliver_message

    enqueue_on_commit(deliver_message, message.pk)
    return message


def build_text(text: str) -> dict:
    try:
        return outbound.text_content(text)
    except outbound.ContentError as exc:
        raise InvalidContent(str(exc)) from exc


# --- Delivery (Celery) ---------------------------------------------------------------------------


def deliver(message_id: int) -> None:
    """Sends one queued message, once (the claim); see the module docstring for failures."""
    message = (
        Message.objects.select_related("channel", "conversation__contact")
        .filter(pk=message_id, direction=Direction.OUTBOUND)
        .first()
    )
    if message is None or not _is_due(message):
        return
    channel = message.channel
    wait = _pace(channel, message)
    if wait > 0:
        _schedule(message, wait)
        return
    if not _claim(message):
        return  # another worker has it, or it already went out
    identity = (
        ContactIdentity.objects.for_tenant(message.tenant)
        .filter(contact_id=message.conversation.contact_id, kind=ChannelKind.WHATSAPP)
        .order_by("pk")
        .first()
    )
    try:
        with GraphClient.for_channel(channel) as client:
            body = outbound.send_body(
                message.payload,
                wa_id=identity.wa_id if identity else None,
                user_id=identity.user_id if identity else None,
                reply_to_wamid=message.reply_to_wamid,
                media_id=_uploaded_media_id(client, message),
                callback_data=f"{CALLBACK_TAG_PREFIX}{message.pk}",
            )
            wamid, _ = client.send_message(channel.phone_number_id, body)
    except GraphError as error:
        _handle_failure(message, error)
        return
    _mark_accepted(message, wamid)


def may_have_reached_meta(error: GraphError) -> bool:
    """Whether a failed send may still have been taken by WhatsApp: no answer after the request
    was written (the transport says so), or a proxy's 5xx page without a Graph error (a
    gateway time-out, say, may hide an accepted message). A Graph error answer, or a
    connection never made, proves it was not."""
    if error.is_outcome_unknown:
        return True
    return error.code is None and error.http_status is not None and error.http_status >= 500


def _uploaded_media_id(client: GraphClient, message: Message) -> str:
    """Uploads the message's stored file once; a retry reuses the Graph media id."""
    media = message.media.filter(state=MediaState.READY).first()
    if media is None:
        return ""
    if not media.graph_media_id:
        with media.file.open("rb") as f:
            content = f.read()
        media.graph_media_id = client.upload_media(
            message.channel.phone_number_id,
            filename=media.filename or "file",
            content=content,
            mime_type=media.mime_type,
        )
        media.save(update_fields=["graph_media_id"])
    return media.graph_media_id


def _pace(channel, message: Message) -> float:
    """0 once the number's and the pair's buckets granted a send, else the wait still due."""
    for _ in range(3):
        wait = _acquire(channel, message)
        if wait == 0 or wait > PACE_WAIT_IN_TASK_S:
            return wait
        time.sleep(wait)  # shorter than a sweep's period: a burst keeps the number's pace
    return wait


def _acquire(channel, message: Message) -> float:
    key = f"t{channel.tenant_id}:n{channel.phone_number_id}"
    rate = max(1.0, channel.throughput_mps * THROUGHPUT_SHARE)
    wait = pacing.acquire(key, rate_per_s=rate, capacity=rate)
    if wait > 0:
        return wait
    pair = f"{key}:c{message.conversation.contact_id}"
    return pacing.acquire(pair, rate_per_s=PAIR_RATE_PER_S, capacity=PAIR_BURST)


def _is_due(message: Message) -> bool:
    """Queued, and not waiting for a retry whose time is far off (see `relay.due_by`)."""
    return message.status == MessageStatus.QUEUED and (
        message.next_attempt_at is None or message.next_attempt_at <= relay.due_by(timezone.now())
    )


def _schedule(message: Message, wait_s: float) -> None:
    """The relay wakes the sender when the wait is over (unless someone claimed it meanwhile)."""
    Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        next_attempt_at=timezone.now() + timedelta(seconds=wait_s)
    )


def _claim(message: Message) -> bool:
    """queued → sending, by row count; a send unanswered by its deadline ends outcome unknown."""
    now = timezone.now()
    claimed = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING,
        status_at=now,
        send_attempts=message.send_attempts + 1,
        next_attempt_at=now + timedelta(seconds=settings.SEND_UNANSWERED_AFTER_S),
    )
    message.send_attempts += 1
    return claimed == 1


@transaction.atomic
def _mark_accepted(message: Message, wamid: str) -> None:
    """Also after the relay gave the send up as unknown: WhatsApp's answer settles it."""
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    if message.status not in (MessageStatus.SENDING, MessageStatus.UNKNOWN) or message.wamid:
        return  # a status webhook carrying our tag got here first
    message.wamid = wamid
    message.status = MessageStatus.ACCEPTED
    message.status_at = timezone.now()
    message.error_title = message.error_message = ""
    message.save(update_fields=["wamid", "status", "status_at", "error_title", "error_message"])
    metrics.count_on_commit(metrics.SEND_OUTCOMES, MessageStatus.ACCEPTED)
    record_event(
        message.conversation,
        EventType.STATUS_CHANGED,
        data={"message": message.pk, "status": MessageStatus.ACCEPTED},
    )
    apply_early_statuses(message)


@transaction.atomic
def _handle_failure(message: Message, error: GraphError) -> None:
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    if message.status != MessageStatus.SENDING:
        return  # settled meanwhile (outcome unknown, or a status webhook)
    now = timezone.now()
    if may_have_reached_meta(error):
        logger.warning("send of message %s may have reached WhatsApp: %s", message.pk, error)
        advance_status(message, MessageStatus.UNKNOWN, at=now, error=UNKNOWN_OUTCOME)
    elif error.is_retryable and message.send_attempts < MAX_SEND_ATTEMPTS:
        message.status = MessageStatus.QUEUED
        message.error_message = error.human_message
        wait_s = backoff_seconds(error, message.send_attempts - 1)
        message.next_attempt_at = now + timedelta(seconds=wait_s)
        message.save(update_fields=["status", "error_message", "next_attempt_at"])
    else:
        advance_status(message, MessageStatus.FAILED, at=now, error=error)
    metrics.count_on_commit(metrics.SEND_OUTCOMES, message.status)


def settle_unanswered_sends(now: datetime) -> int:
    """A worker died between claim and answer: Meta may have the message, so never resend."""
    with transaction.atomic():
        unanswered = (
            Message.objects.select_for_update(skip_locked=True)
            .select_related("conversation")
            .filter(status=MessageStatus.SENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[: relay.BATCH]
        )
        count = 0
        for message in unanswered:
            advance_status(message, MessageStatus.UNKNOWN, at=now, error=UNKNOWN_OUTCOME)
            count += 1
        metrics.count_on_commit(metrics.SEND_OUTCOMES, MessageStatus.UNKNOWN, amount=count)
    return count


def send_read_receipt(message_id: int) -> None:
    """Blue ticks for the customer; best effort, tried once (a lost receipt harms nobody, and
    the customer's next message gets its own)."""
    message = Message.objects.select_related("channel").filter(pk=message_id).first()
    if message is None or not message.wamid:
        return
    try:
        with GraphClient.for_channel(message.channel) as client:
            client.mark_read(message.channel.phone_number_id, message.wamid)
    except GraphError as error:
        logger.warning("read receipt not sent for message %s: %s", message_id, error)
