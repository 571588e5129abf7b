"""Messages both ways and the forward-only ladder of their statuses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import TenantScopedModel

from .channels import Channel
from .conversations import Conversation


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
