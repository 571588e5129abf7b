"""The append-only log of what happened to each conversation, and its per-tenant sequence."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from contactcenter.accounts.models import Tenant, TenantScopedModel

from .conversations import Conversation


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
