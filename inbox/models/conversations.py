"""Conversations, their states, the 24-hour customer service window and the SLA clock."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import TenantScopedModel

from .channels import Channel
from .contacts import Contact


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
