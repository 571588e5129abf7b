"""Channels, contacts and identities, conversations, messages, media, and the event log.

Also the durable inbox of raw webhook deliveries, their dead letters and early statuses.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import Tenant, TenantManager, TenantScopedModel
from contactcenter.fields import EncryptedTextField
from contactcenter.relay import first_wakeup_at


class ChannelKind(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"


class Channel(TenantScopedModel):
    """One way customers reach the tenant: for now a WhatsApp Business phone number."""

    kind = models.CharField(
        max_length=16, choices=ChannelKind.choices, default=ChannelKind.WHATSAPP
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    # WhatsApp Cloud API number (Graph ids are strings and global across Meta).
    waba_id = models.CharField(max_length=32)
    phone_number_id = models.CharField(max_length=32, unique=True)
    display_phone_number = models.CharField(max_length=32)
    verified_name = models.CharField(max_length=200, blank=True)
    app_secret = EncryptedTextField()
    access_token = EncryptedTextField()
    verify_token = models.CharField(max_length=128)
    quality_rating = models.CharField(max_length=16, blank=True)
    messaging_limit_tier = models.CharField(max_length=32, blank=True)
    throughput_mps = models.PositiveIntegerField(default=80)

    class Meta:
        indexes = [models.Index(fields=["tenant", "kind"])]
        constraints = [
            # A business account is one company's, like its numbers (phone_number_id is unique):
            # a webhook that names an account must reach one tenant only. An exclusion because
            # one tenant connects several numbers of one account.
            ExclusionConstraint(
                name="channel_waba_of_one_tenant",
                expressions=[
                    ("waba_id", RangeOperators.EQUAL),
                    ("tenant", RangeOperators.NOT_EQUAL),
                ],
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_phone_number})"


class Consent(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    OPTED_IN = "opted_in", _("Opted in")
    OPTED_OUT = "opted_out", _("Opted out")


class Contact(TenantScopedModel):
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # Consent to business-initiated messages (templates), as last recorded, with its source.
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.UNKNOWN)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self) -> str:
        return self.name or f"contact {self.pk}"


class ContactIdentity(TenantScopedModel):
    """How a channel knows the contact: WhatsApp wa_id (phone) and/or business-scoped user_id."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    wa_id = models.CharField(max_length=32, null=True, blank=True)
    user_id = models.CharField(max_length=128, null=True, blank=True)
    username = models.CharField(max_length=100, blank=True)
    profile_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "wa_id"],
                condition=Q(wa_id__isnull=False),
                name="identity_unique_wa_id",
            ),
            models.UniqueConstraint(
                fields=["tenant", "kind", "user_id"],
                condition=Q(user_id__isnull=False),
                name="identity_unique_user_id",
            ),
            models.CheckConstraint(
                condition=Q(wa_id__isnull=False) | Q(user_id__isnull=False),
                name="identity_has_a_key",
            ),
        ]

    def __str__(self) -> str:
        return self.wa_id or self.user_id or ""


class ConversationState(models.TextChoices):
    BOT = "bot", _("With the bot")
    QUEUED = "queued", _("Waiting in queue")
    ASSIGNED = "assigned", _("Assigned")
    PENDING = "pending", _("Waiting on customer")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


OPEN_STATES = [s for s in ConversationState.values if s != ConversationState.RESOLVED]
CUSTOMER_SERVICE_WINDOW = timezone.timedelta(hours=24)
SLA_WARNING_RATIO = 0.8


class Conversation(TenantScopedModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="conversations")
    state = models.CharField(
        max_length=16, choices=ConversationState.choices, default=ConversationState.QUEUED
    )
    priority = models.SmallIntegerField(default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=200, blank=True)
    # Meta's timestamp of the customer's last message: the 24-hour window runs from it.
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # When the first response is due (the queue's target from opening); kept across transfers.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    # Set when the conversation is handed to routing, cleared when routing has placed it (or
    # found nothing to do): the relay wakes routing again for one still set when it comes.
    routing_due_at = models.DateTimeField(null=True, blank=True)
    # Names from the tenant's Label catalogue (renames and deletions are applied here too).
    labels = ArrayField(models.CharField(max_length=50), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact", "channel"],
                condition=~Q(state="resolved"),
                name="conversation_one_open_per_contact_channel",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "state", "-last_message_at"]),
            models.Index(fields=["tenant", "assignee", "state"]),
            models.Index(fields=["tenant", "contact", "-opened_at"]),
            GinIndex(fields=["labels"], name="conversation_labels_gin"),
            models.Index(
                fields=["routing_due_at"],
                condition=Q(routing_due_at__isnull=False),
                name="conversation_routing_due_idx",
            ),
            # The wake-up sweep's claim: only snoozed rows, soonest first.
            models.Index(
                fields=["snoozed_until"],
                condition=Q(state="snoozed"),
                name="conversation_snoozed_due",
            ),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remembers the state and assignee it was loaded with: the event that takes it out of
        the queue or away from an agent still reaches them (inbox.services.events.audience)."""
        instance = super().from_db(db, field_names, values)
        loaded = dict(zip(field_names, values, strict=False))
        instance.loaded_audience = (loaded.get("state"), loaded.get("assignee_id"))
        return instance

    @property
    def window_expires_at(self):
        return self.last_inbound_at + CUSTOMER_SERVICE_WINDOW if self.last_inbound_at else None

    def is_within_window(self, now=None) -> bool:
        expires = self.window_expires_at
        return expires is not None and (now or timezone.now()) < expires

    def sla_state(self, now=None) -> str:
        """Empty (no target, or answered), "ok", "at_risk" (80% of the target gone), "breached"."""
        if not self.sla_due_at or self.first_response_at or self.state == "resolved":
            return ""
        now = now or timezone.now()
        if now >= self.sla_due_at:
            return "breached"
        warn_at = self.sla_due_at - (self.sla_due_at - self.opened_at) * (1 - SLA_WARNING_RATIO)
        return "at_risk" if now >= warn_at else "ok"

    @property
    def sla(self) -> str:
        return self.sla_state()


class Direction(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")


class MessageStatus(models.TextChoices):
    """Outbound statuses move forward only; failed is terminal. Inbound messages are 'received'."""

    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    # The send may have reached WhatsApp (the answer was lost): never resent; a status webhook
    # for it settles it (see sending.py).
    UNKNOWN = "unknown", _("Outcome unknown")
    ACCEPTED = "accepted", _("Accepted by WhatsApp")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    PLAYED = "played", _("Played")
    FAILED = "failed", _("Failed")


STATUS_RANK = {
    MessageStatus.RECEIVED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.UNKNOWN: 3,
    MessageStatus.ACCEPTED: 4,
    MessageStatus.SENT: 5,
    MessageStatus.DELIVERED: 6,
    MessageStatus.READ: 7,
    MessageStatus.PLAYED: 8,
    MessageStatus.FAILED: 99,
}


class Message(TenantScopedModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=24)
    wamid = models.CharField(max_length=255, null=True, blank=True)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    status_at = models.DateTimeField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=200, blank=True)
    error_message = models.TextField(blank=True)
    reply_to_wamid = models.CharField(max_length=255, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    # Queued: when the relay wakes the sender (again); sending: when an unanswered send is
    # given up as outcome unknown (contactcenter/relay.py).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    is_internal_note = models.BooleanField(default=False)
    # A whisper's one reader besides the supervisors (see inbox.selectors.visible_messages).
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Meta's timestamp for inbound messages; our send time for outbound.
    sent_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "wamid"],
                condition=Q(wamid__isnull=False),
                name="message_unique_wamid",
            ),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="message_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "conversation", "sent_at"]),
            # The relay's sweep runs across tenants, oldest due first; few rows are in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="message_outbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.kind})"


class MediaState(models.TextChoices):
    PENDING = "pending", _("Downloading")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def media_path(instance: "Media", filename: str) -> str:
    return f"media/{instance.tenant_id}/{timezone.now():%Y/%m}/{instance.pk or 'new'}-{filename}"


class Media(TenantScopedModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="media")
    graph_media_id = models.CharField(max_length=64, blank=True)
    mime_type = models.CharField(max_length=128, blank=True)
    sha256 = models.CharField(max_length=128, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=media_path, max_length=500, blank=True)
    state = models.CharField(max_length=16, choices=MediaState.choices, default=MediaState.PENDING)
    error = models.TextField(blank=True)
    # Pending: when the relay wakes the download (again); each download takes it a lease on.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "message"]),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="media_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.filename or self.graph_media_id


class EventType(models.TextChoices):
    CONVERSATION_OPENED = "conversation_opened"
    MESSAGE_RECEIVED = "message_received"
    MESSAGE_SENT = "message_sent"
    STATUS_CHANGED = "status_changed"
    QUEUED = "queued"
    OFFERED = "offered"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    OFFER_EXPIRED = "offer_expired"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    TRANSFERRED = "transferred"
    TAKEN_OVER = "taken_over"
    BOT_STARTED = "bot_started"
    BOT_HANDOFF = "bot_handoff"
    PENDING = "pending"
    SNOOZED = "snoozed"
    SNOOZE_ENDED = "snooze_ended"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CSAT_REQUESTED = "csat_requested"
    CSAT_RECEIVED = "csat_received"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    NOTE_ADDED = "note_added"
    LABEL_ADDED = "label_added"
    LABEL_REMOVED = "label_removed"
    CONSENT_CHANGED = "consent_changed"
    CONTACT_MERGED = "contact_merged"
    READ_BY_AGENT = "read_by_agent"
    MEDIA_READY = "media_ready"


class ConversationEvent(TenantScopedModel):
    """Append-only log: the one source for reports, SLA, replay and realtime catch-up."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=EventType.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    # Per-tenant, gapless, in commit order: set at commit by a deferred trigger (migration
    # 0003) that takes the tenant's counter row last, so seq order is commit order. It is the
    # realtime cursor; NULL only inside a transaction that has not committed.
    seq = models.BigIntegerField(null=True, blank=True, editable=False)
    # Who heard it live besides supervisors: these agents (user ids), every Queue tab or not. A
    # replay gives an agent these too, so a conversation that left them while they were away
    # leaves their screen as it would have live.
    heard_by_agents = ArrayField(models.BigIntegerField(), default=list, blank=True)
    heard_by_queue = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="event_unique_seq")]
        indexes = [
            models.Index(fields=["tenant", "id"]),
            models.Index(fields=["tenant", "conversation", "id"]),
            models.Index(fields=["tenant", "type", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class EventSequence(models.Model):
    """The last event sequence number of each tenant (written only by the trigger)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, primary_key=True)
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"tenant {self.tenant_id}: {self.last}"


# --- Durable inbound: raw deliveries first, processing after -----------------------------------


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    PROCESSED = "processed"
    ORPHAN = "orphan"  # names no phone number we know: kept for operators, never a tenant's
    FAILED = "failed"


class WebhookDelivery(models.Model):
    """One POST from Meta exactly as received (one INSERT on the hot path)."""

    received_at = models.DateTimeField(default=timezone.now)
    body = models.BinaryField()
    signature = models.CharField(max_length=80, blank=True)
    signature_verified = models.BooleanField(default=False)
    # The channels whose app secret signed these bytes: processing writes to nothing else.
    signed_channel_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, related_name="+")
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the relay wakes its processing (again) if it is still pending.
    next_attempt_at = models.DateTimeField(default=first_wakeup_at)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = TenantManager()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="delivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.state})"


class DeadLetter(models.Model):
    """An item of a delivery that could not be processed; the rest of its batch was."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, related_name="+")
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=200)
    reason = models.TextField()
    item = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"dead letter {self.pk}: {self.reason[:40]}"


class EarlyStatus(TenantScopedModel):
    """A status whose message is not stored yet (the send's answer and the webhook raced)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    wamid = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "channel", "wamid"])]

    def __str__(self) -> str:
        return f"early {self.status} for {self.wamid}"


class LabelColor(models.TextChoices):
    GRAY = "gray", _("Gray")
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")
    BLUE = "blue", _("Blue")
    PURPLE = "purple", _("Purple")


class Label(TenantScopedModel):
    """The tenant's catalogue of conversation labels (agents tag, rules add, reports group)."""

    name = models.CharField(max_length=50)
    color = models.CharField(max_length=8, choices=LabelColor.choices, default=LabelColor.GRAY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="label_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CannedResponse(TenantScopedModel):
    """A saved reply an agent inserts by typing `/shortcut`; `{{ contact.first_name }}` and the
    other variables of inbox.services.canned are filled in for the open conversation."""

    shortcut = models.SlugField(max_length=40)
    title = models.CharField(max_length=100)
    body = models.TextField(max_length=4096)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "shortcut"], name="canned_unique_shortcut"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
