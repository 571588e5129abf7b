"""Agent and bot replies: queued in the same transaction as their event, delivered by Celery.

Delivery claims the message row (queued → sending) so a retried or duplicated task never sends
twice; retryable Graph errors go back to queued with backoff, permanent ones fail with a message
the agent can act on.
"""

import logging
import uuid
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from contactcenter import pacing
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.realtime.publish import enqueue_on_commit
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
from .ingest import advance_status, apply_early_statuses
from .outcome import DONE, Outcome

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6
# Meta's pair limit: 1 message per 6 s to one user, bursts of up to 45 (reference §7.5).
PAIR_RATE_PER_S = 1 / 6
PAIR_BURST = 45
# Below the number's throughput so other senders (campaigns, bots) keep headroom.
THROUGHPUT_SHARE = 0.9
STUCK_SENDING_AFTER = timedelta(minutes=5)
UNKNOWN_OUTCOME = GraphError(
    code=None,
    title="Outcome unknown",
    note="The sender stopped before WhatsApp answered, so it may or may not have arrived. "
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


def deliver(message_id: int) -> Outcome:
    message = (
        Message.objects.select_related("channel", "conversation__contact")
        .filter(pk=message_id, direction=Direction.OUTBOUND)
        .first()
    )
    if message is None or message.status != MessageStatus.QUEUED:
        return DONE
    channel = message.channel
    wait = _pace(channel, message)
    if wait > 0:
        return Outcome(retry_after_s=wait)
    if not _claim(message):
        return DONE  # another worker has it, or it already went out
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
            )
            wamid, _ = client.send_message(channel.phone_number_id, body)
    except GraphError as error:
        return _handle_failure(message, error)
    _mark_accepted(message, wamid)
    return DONE


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
    key = f"t{channel.tenant_id}:n{channel.phone_number_id}"
    rate = max(1.0, channel.throughput_mps * THROUGHPUT_SHARE)
    wait = pacing.acquire(key, rate_per_s=rate, capacity=rate)
    if wait > 0:
        return wait
    pair = f"{key}:c{message.conversation.contact_id}"
    return pacing.acquire(pair, rate_per_s=PAIR_RATE_PER_S, capacity=PAIR_BURST)


def _claim(message: Message) -> bool:
    claimed = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING,
        status_at=timezone.now(),
        send_attempts=message.send_attempts + 1,
    )
    message.send_attempts += 1
    return claimed == 1


@transaction.atomic
def _mark_accepted(message: Message, wamid: str) -> None:
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    message.wamid = wamid
    message.status = MessageStatus.ACCEPTED
    message.status_at = timezone.now()
    message.save(update_fields=["wamid", "status", "status_at"])
    record_event(
        message.conversation,
        EventType.STATUS_CHANGED,
        data={"message": message.pk, "status": MessageStatus.ACCEPTED},
    )
    apply_early_statuses(message)


@transaction.atomic
def _handle_failure(message: Message, error: GraphError) -> Outcome:
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    if error.is_retryable and message.send_attempts < MAX_SEND_ATTEMPTS:
        message.status = MessageStatus.QUEUED
        message.error_message = error.human_message
        message.save(update_fields=["status", "error_message"])
        return Outcome(retry_after_s=backoff_seconds(error, message.send_attempts - 1))
    advance_status(message, MessageStatus.FAILED, at=timezone.now(), error=error)
    return DONE


@transaction.atomic
def fail_stuck_sends(now=None) -> int:
    """A worker died between claim and answer: Meta may have the message, so never resend."""
    now = now or timezone.now()
    stuck = (
        Message.objects.select_for_update(skip_locked=True)
        .select_related("conversation")
        .filter(status=MessageStatus.SENDING, status_at__lt=now - STUCK_SENDING_AFTER)
    )
    count = 0
    for message in stuck:
        advance_status(message, MessageStatus.FAILED, at=now, error=UNKNOWN_OUTCOME)
        count += 1
    return count


def send_read_receipt(message_id: int) -> Outcome:
    """Blue ticks for the customer; best effort (a lost receipt harms nobody)."""
    message = Message.objects.select_related("channel").filter(pk=message_id).first()
    if message is None or not message.wamid:
        return DONE
    try:
        with GraphClient.for_channel(message.channel) as client:
            client.mark_read(message.channel.phone_number_id, message.wamid)
    except GraphError as error:
        if error.is_retryable:
            return Outcome(retry_after_s=backoff_seconds(error, 0))
        logger.warning("read receipt refused for message %s: %s", message_id, error)
    return DONE
