"""Processing stored webhook deliveries: contacts, conversations, messages, statuses, events.

Idempotent on the wamid (a unique index is the real guard), so Meta's retries and duplicates,
even processed in parallel, give one message and one conversation.
"""

import json
import logging
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from contactcenter import relay
from contactcenter.realtime.publish import enqueue_on_commit
from inbox import hooks
from inbox.channels.whatsapp import parser
from inbox.channels.whatsapp.errors import GraphError
from inbox.models import (
    STATUS_RANK,
    Channel,
    ChannelKind,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationState,
    DeadLetter,
    DeliveryState,
    Direction,
    EarlyStatus,
    EventType,
    Media,
    Message,
    MessageStatus,
    WebhookDelivery,
)
from inbox.selectors import signed_channels

from . import csat
from .events import record_event

logger = logging.getLogger(__name__)

# A customer who writes again soon after resolution continues the same conversation.
REOPEN_WINDOW = timedelta(hours=24)
# Kinds that do not open or refresh the 24-hour window (the reference leaves it open; see §7.1).
WINDOW_NEUTRAL_KINDS = {"system"}
# A send's answer lands within seconds; a status still waiting for its message after this long
# belongs to a send that never stored its wamid (failed with an unknown outcome) or to a message
# sent outside this product on the same number.
EARLY_STATUS_KEPT = timedelta(days=1)
# Our sends tag themselves with this and the message id in `biz_opaque_callback_data`.
CALLBACK_TAG_PREFIX = "cc:m"
# First key of the transaction-level advisory lock on one (channel, wamid): "wa" in ASCII.
WAMID_LOCK_SPACE = 0x7761


# A delivery whose processing failed this often is parked as failed, for operators.
MAX_DELIVERY_ATTEMPTS = 5


def process_delivery(delivery_id: int) -> bool:
    """Claims one pending delivery (SKIP LOCKED) and applies it; False if someone else has it.

    Items that fail are parked one by one (`_isolated`); should the delivery as a whole fail,
    its retry is scheduled in the row for the relay, and after the last it is parked."""
    try:
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=delivery_id, state=DeliveryState.PENDING)
                .first()
            )
            if delivery is None:
                return False
            delivery.attempts += 1
            _apply_delivery(delivery)
            delivery.state = DeliveryState.PROCESSED
            delivery.processed_at = timezone.now()
            delivery.save(update_fields=["state", "processed_at", "attempts"])
    except Exception as exc:  # noqa: BLE001 - parked or retried, never a crash loop
        logger.exception("delivery %s failed", delivery_id)
        _delivery_failed(delivery_id, f"{type(exc).__name__}: {exc}")
        return False
    return True


def _delivery_failed(delivery_id: int, reason: str) -> None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .first()
        )
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.error = reason[:2000]
        if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=4**delivery.attempts)
        delivery.save(update_fields=["attempts", "error", "state", "next_attempt_at"])


def _apply_delivery(delivery: WebhookDelivery) -> None:
    batch = parser.parse_webhook(json.loads(bytes(delivery.body)))
    # Only what the signature covered: an item naming another number or business account
    # (another tenant's, say) is parked, never applied.
    signed = signed_channels(delivery.signed_channel_ids)
    channels = {c.phone_number_id: c for c in signed}
    accounts: dict[str, list[Channel]] = {}
    for channel in signed:
        accounts.setdefault(channel.waba_id, []).append(channel)
    for problem in batch.problems:
        _park(delivery, problem.path, problem.reason, problem.item)
    for error in batch.errors:
        # Account-level trouble (throughput, unsupported payload): for operators, no item.
        logger.warning("delivery %s: WhatsApp reported error %s", delivery.pk, error)
    for change in batch.number_changes:
        _isolated(
            delivery, "number_change", change, lambda c=change: _apply_number_change(channels, c)
        )
    for message in batch.messages:
        _isolated(
            delivery,
            f"message {message.wamid}",
            message,
            lambda m=message: _apply_message(channels, m),
        )
    for change in batch.template_status_changes:
        _isolated(
            delivery,
            f"template {change.waba_id}",
            change,
            lambda c=change: _apply_template_status(accounts, c),
        )
    # Statuses in one order everywhere, so two deliveries never lock the same wamids crosswise;
    # the result does not depend on the order (statuses only move forward).
    for status in sorted(batch.statuses, key=lambda s: (s.phone_number_id, s.wamid)):
        _isolated(
            delivery, f"status {status.wamid}", status, lambda s=status: _apply_status(channels, s)
        )


def _apply_template_status(
    accounts: dict[str, list[Channel]], change: parser.TemplateStatusChange
) -> None:
    """Meta approved, rejected, paused or disabled a template: the templates app updates it."""
    if change.waba_id not in accounts:
        raise LookupError(f"business account {change.waba_id!r} is not signed for")
    # A business account belongs to one tenant (constraint channel_waba_of_one_tenant).
    hooks.template_status_changed(accounts[change.waba_id][0].tenant, change)


def _isolated(delivery: WebhookDelivery, path: str, item, apply) -> None:
    """One poison item is parked in the dead-letter table; the rest of the batch goes on.

    A unique index that refuses a row means a parallel delivery stored it first (the contact,
    the conversation, the same message) and committed: applied again, the item finds that row.
    So the steps of an item need no savepoints of their own.
    """
    try:
        try:
            with transaction.atomic():
                apply()
        except IntegrityError:
            with transaction.atomic():
                apply()
    except Exception as exc:  # noqa: BLE001 - anything unexpected in one item must not stop others
        logger.exception("webhook item failed: %s", path)
        _park(delivery, path, f"{type(exc).__name__}: {exc}", getattr(item, "raw", None))


def _park(delivery: WebhookDelivery, path: str, reason: str, item) -> None:
    DeadLetter.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        path=path[:200],
        reason=reason,
        item=item if isinstance(item, (dict, list)) or item is None else repr(item),
    )


def _channel_for(channels: dict[str, Channel], phone_number_id: str) -> Channel:
    channel = channels.get(phone_number_id)
    if channel is None:
        raise LookupError(f"phone_number_id {phone_number_id!r} is not an active, signed channel")
    return channel


# --- Contacts ------------------------------------------------------------------------------------


def upsert_identity(
    channel: Channel,
    *,
    wa_id: str | None,
    user_id: str | None,
    profile_name: str = "",
    username: str = "",
) -> tuple[ContactIdentity, bool]:
    """Finds the contact by wa_id or business-scoped user_id, else creates it (the unique
    indexes refuse a second one that a parallel delivery creates: see `_isolated`). Returns
    the identity and whether it was created."""
    identities = ContactIdentity.objects.for_tenant(channel.tenant).filter(
        kind=ChannelKind.WHATSAPP
    )
    identity = None
    if wa_id:
        identity = identities.filter(wa_id=wa_id).select_related("contact").first()
    if identity is None and user_id:
        identity = identities.filter(user_id=user_id).select_related("contact").first()
    if identity is None:
        contact = Contact.objects.create(tenant=channel.tenant, name=profile_name)
        identity = ContactIdentity.objects.create(
            tenant=channel.tenant,
            contact=contact,
            kind=ChannelKind.WHATSAPP,
            wa_id=wa_id or None,
            user_id=user_id or None,
            profile_name=profile_name,
            username=username,
        )
        return identity, True
    changed = []
    if user_id and not identity.user_id:
        identity.user_id, changed = user_id, [*changed, "user_id"]
    if wa_id and not identity.wa_id:
        identity.wa_id, changed = wa_id, [*changed, "wa_id"]
    if profile_name and identity.profile_name != profile_name:
        identity.profile_name, changed = profile_name, [*changed, "profile_name"]
    if username and identity.username != username:
        identity.username, changed = username, [*changed, "username"]
    if changed:
        identity.save(update_fields=changed)
    if profile_name and not identity.contact.name:
        Contact.objects.filter(pk=identity.contact_id).update(name=profile_name)
        identity.contact.name = profile_name
    return identity, False


def _apply_number_change(channels: dict[str, Channel], change) -> None:
    """`user_changed_number`: the contact keeps its history under the new number."""
    channel = _channel_for(channels, change.phone_number_id)
    identities = ContactIdentity.objects.for_tenant(channel.tenant).filter(
        kind=ChannelKind.WHATSAPP
    )
    old = identities.select_for_update().filter(wa_id=change.old_wa_id).first()
    new = identities.select_for_update().filter(wa_id=change.new_wa_id).first()
    if old is None:
        upsert_identity(channel, wa_id=change.new_wa_id, user_id=change.user_id)
        return
    if new is None:
        old.wa_id = change.new_wa_id
        old.save(update_fields=["wa_id"])
        return
    if new.contact_id != old.contact_id:
        merge_contacts(channel, keep=new.contact, drop=old.contact)
    old.delete()


def merge_contacts(channel: Channel, *, keep: Contact, drop: Contact) -> None:
    """Moves identities and conversations of `drop` to `keep`; an open duplicate is resolved."""
    now = timezone.now()
    for conversation in Conversation.objects.for_tenant(channel.tenant).filter(contact=drop):
        clash = (
            Conversation.objects.for_tenant(channel.tenant)
            .filter(contact=keep, channel=conversation.channel)
            .exclude(state=ConversationState.RESOLVED)
            .exists()
        )
        if clash and conversation.state != ConversationState.RESOLVED:
            conversation.state, conversation.resolved_at = ConversationState.RESOLVED, now
            hooks.conversation_resolved(conversation, now=now)
            record_event(conversation, EventType.RESOLVED, at=now, data={"reason": "merged"})
        conversation.contact = keep
        conversation.save(update_fields=["contact", "state", "resolved_at"])
        record_event(
            conversation,
            EventType.CONTACT_MERGED,
            data={"from_contact": drop.pk, "to_contact": keep.pk},
        )
    ContactIdentity.objects.for_tenant(channel.tenant).filter(contact=drop).update(contact=keep)


# --- Conversations and messages ------------------------------------------------------------------


def _latest_conversation(channel: Channel, contact: Contact) -> Conversation | None:
    """The contact's open conversation on this number, else its last resolved one (locked)."""
    return (
        Conversation.objects.for_tenant(channel.tenant)
        .filter(contact=contact, channel=channel)
        # The open one (at most one: a partial unique index) sorts first.
        .order_by(
            ExpressionWrapper(Q(state=ConversationState.RESOLVED), output_field=BooleanField()),
            F("resolved_at").desc(nulls_last=True),
            "-pk",
        )
        .select_for_update()
        .first()
    )


def open_conversation_for(
    channel: Channel, contact: Contact, *, at, new_contact: bool = False
) -> tuple[Conversation, bool]:
    """The contact's open conversation on this number (locked), reopening or opening one (the
    partial unique index refuses a second open one from a parallel delivery: see `_isolated`).
    A contact created in this transaction has no conversation to look for."""
    latest = None if new_contact else _latest_conversation(channel, contact)
    if latest is not None and latest.state != ConversationState.RESOLVED:
        return latest, False
    if latest is not None and latest.resolved_at and at - latest.resolved_at < REOPEN_WINDOW:
        latest.state = ConversationState.QUEUED
        latest.resolved_at = None
        latest.assignee = None
        latest.save(update_fields=["state", "resolved_at", "assignee"])
        record_event(latest, EventType.REOPENED, at=at)
        return latest, True
    conversation = Conversation.objects.create(
        tenant=channel.tenant,
        contact=contact,
        channel=channel,
        opened_at=at,
        state=ConversationState.QUEUED,
    )
    record_event(
        conversation,
        EventType.CONVERSATION_OPENED,
        at=at,
        data={"channel": channel.pk, "contact": contact.pk},
    )
    return conversation, True


def _apply_message(channels: dict[str, Channel], inbound) -> Message | None:
    channel = _channel_for(channels, inbound.phone_number_id)
    tenant_messages = Message.objects.for_tenant(channel.tenant)
    if tenant_messages.filter(channel=channel, wamid=inbound.wamid).exists():
        return None  # a duplicate delivery: nothing changes
    identity, new_contact = upsert_identity(
        channel,
        wa_id=inbound.wa_id,
        user_id=inbound.user_id,
        profile_name=inbound.profile_name or "",
        username=inbound.username or "",
    )
    score = csat.score_of(inbound.reply_id)
    survey = csat.open_survey(channel, identity.contact, at=inbound.timestamp) if score else None
    notice = str(inbound.kind) in WINDOW_NEUTRAL_KINDS
    latest = _latest_conversation(channel, identity.contact) if notice else None
    if survey is not None:
        # The answer to a satisfaction survey belongs to the resolved conversation it rates.
        conversation, needs_routing = survey[0], False
    elif latest is not None:
        # A notice from WhatsApp (a changed number, say) is history, not work for an agent:
        # it never reopens, opens or re-queues a conversation the customer already has.
        conversation, needs_routing = latest, False
    else:
        conversation, needs_routing = open_conversation_for(
            channel, identity.contact, at=inbound.timestamp, new_contact=new_contact
        )
    # A parallel delivery of the same wamid that commits first makes this insert fail, and the
    # item's second run finds the message (see `_isolated`).
    message = Message.objects.create(
        tenant=channel.tenant,
        conversation=conversation,
        channel=channel,
        direction=Direction.INBOUND,
        kind=str(inbound.kind),
        wamid=inbound.wamid,
        text=inbound.text or "",
        payload=inbound.raw,
        status=MessageStatus.RECEIVED,
        status_at=inbound.timestamp,
        reply_to_wamid=inbound.reply_to_wamid or "",
        sent_at=inbound.timestamp,
    )
    needs_routing = _touch_conversation(
        conversation, inbound, preview=parser.preview_text(inbound), needs_routing=needs_routing
    )
    if needs_routing:
        # After the message is stored, so rules and language detection can read its text.
        hooks.conversation_needs_routing(conversation)
    record_event(
        conversation,
        EventType.MESSAGE_RECEIVED,
        at=inbound.timestamp,
        data={
            "message": message.pk,
            "kind": message.kind,
            "preview": conversation.last_message_preview,
        },
    )
    if survey is not None:
        csat.record_answer(conversation, survey[1], message, score)
    if inbound.media is not None:
        media = Media.objects.create(
            tenant=channel.tenant,
            message=message,
            graph_media_id=inbound.media.id,
            mime_type=inbound.media.mime_type or "",
            sha256=inbound.media.sha256 or "",
            filename=(inbound.media.filename or "")[:255],
            next_attempt_at=relay.first_wakeup_at(),
        )
        from inbox.tasks import download_media

        enqueue_on_commit(download_media, media.pk)
    return message


def _touch_conversation(
    conversation: Conversation, inbound, *, preview: str, needs_routing: bool
) -> bool:
    """Refreshes the conversation for a new customer message; True if it needs routing (again),
    and then it is due for the relay too (routing_due_at), should routing's wake-up be lost."""
    fields = ["last_message_at", "last_message_preview", "unread_count"]
    if conversation.last_message_at is None or inbound.timestamp >= conversation.last_message_at:
        conversation.last_message_at = inbound.timestamp
        conversation.last_message_preview = preview[:200]
    conversation.unread_count += 1
    notice = str(inbound.kind) in WINDOW_NEUTRAL_KINDS  # from WhatsApp, not the customer
    if not notice and (
        conversation.last_inbound_at is None or inbound.timestamp > conversation.last_inbound_at
    ):
        conversation.last_inbound_at = inbound.timestamp
        fields.append("last_inbound_at")
    waiting_on_customer = (ConversationState.PENDING, ConversationState.SNOOZED)
    if conversation.state in waiting_on_customer and not notice:
        # The customer answered: the conversation needs an agent again.
        conversation.state = (
            ConversationState.ASSIGNED if conversation.assignee_id else ConversationState.QUEUED
        )
        conversation.snoozed_until = None
        fields += ["state", "snoozed_until"]
        needs_routing = needs_routing or conversation.state == ConversationState.QUEUED
    if needs_routing:
        conversation.routing_due_at = relay.first_wakeup_at()
        fields.append("routing_due_at")
    conversation.save(update_fields=fields)
    return needs_routing


# --- Statuses ------------------------------------------------------------------------------------


def _lock_wamid(channel_id: int, wamid: str) -> None:
    """Serializes "is the message there yet?" with the send storing its wamid.

    Without it a status could be parked as early while the send commits its wamid and looks
    for early statuses before that park is committed: the status would be lost.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [WAMID_LOCK_SPACE, f"{channel_id}:{wamid}"],
        )


def _apply_status(channels: dict[str, Channel], status) -> None:
    channel = _channel_for(channels, status.phone_number_id)
    _lock_wamid(channel.pk, status.wamid)
    message = (
        Message.objects.for_tenant(channel.tenant)
        .select_for_update()
        .filter(channel=channel, wamid=status.wamid)
        .first()
    )
    if message is None:
        message = _adopt_wamid(channel, status)
    error = status.errors[0] if status.errors else None
    if message is None:
        EarlyStatus.objects.create(
            tenant=channel.tenant,
            channel=channel,
            wamid=status.wamid,
            status=str(status.status),
            at=status.timestamp,
            data={"error": error} if error else {},
        )
        return
    advance_status(message, str(status.status), at=status.timestamp, error=_status_error(error))


def _adopt_wamid(channel: Channel, status) -> Message | None:
    """A status for a send whose outcome we lost (so we never learnt its wamid): our tag in the
    echoed callback data names it. Only a message of this channel still waiting for a wamid."""
    tag = status.callback_data
    if not tag.startswith(CALLBACK_TAG_PREFIX) or not tag[len(CALLBACK_TAG_PREFIX) :].isdigit():
        return None
    message = (
        Message.objects.for_tenant(channel.tenant)
        .select_for_update()
        .filter(
            channel=channel,
            pk=int(tag[len(CALLBACK_TAG_PREFIX) :]),
            direction=Direction.OUTBOUND,
            wamid__isnull=True,
            status__in=[MessageStatus.SENDING, MessageStatus.UNKNOWN],
        )
        .first()
    )
    if message is not None:
        message.wamid = status.wamid
        message.save(update_fields=["wamid"])
    return message


def advance_status(message: Message, status: str, *, at, error: GraphError | None = None) -> bool:
    """Moves a message forward only (sent < delivered < read < played); failed is terminal.
    Failed and outcome unknown carry the reason; a later status settles an unknown one."""
    if message.status == MessageStatus.FAILED or STATUS_RANK[status] <= STATUS_RANK[message.status]:
        return False
    settles_unknown = message.status == MessageStatus.UNKNOWN
    message.status = status
    message.status_at = at
    fields = ["status", "status_at"]
    if status in (MessageStatus.FAILED, MessageStatus.UNKNOWN):
        error = error or GraphError(code=131000, title="Failed without details")
        message.error_code = error.code
        message.error_title = error.title
        message.error_message = error.human_message
        fields += ["error_code", "error_title", "error_message"]
    elif settles_unknown:
        message.error_code, message.error_title, message.error_message = None, "", ""
        fields += ["error_code", "error_title", "error_message"]
    message.save(update_fields=fields)
    record_event(
        message.conversation,
        EventType.STATUS_CHANGED,
        at=at,
        data={
            "message": message.pk,
            "status": status,
            "error": message.error_message
            if status in (MessageStatus.FAILED, MessageStatus.UNKNOWN)
            else "",
        },
    )
    return True


def _status_error(data: dict | None) -> GraphError | None:
    return GraphError.from_status_error(data) if data else None


def sweep_early_statuses(now=None) -> int:
    """Forgets statuses whose message never appeared (see EARLY_STATUS_KEPT)."""
    now = now or timezone.now()
    deleted, _ = EarlyStatus.objects.filter(created_at__lt=now - EARLY_STATUS_KEPT).delete()
    return deleted


def apply_early_statuses(message: Message) -> None:
    """Statuses that arrived before the send stored its wamid, applied in order.

    Call inside the transaction that stored the wamid, after storing it.
    """
    _lock_wamid(message.channel_id, message.wamid)
    early = list(
        EarlyStatus.objects.for_tenant(message.tenant)
        .filter(channel_id=message.channel_id, wamid=message.wamid)
        .select_for_update()
    )
    for row in sorted(early, key=lambda r: STATUS_RANK[r.status]):
        advance_status(message, row.status, at=row.at, error=_status_error(row.data.get("error")))
    EarlyStatus.objects.filter(pk__in=[r.pk for r in early]).delete()
