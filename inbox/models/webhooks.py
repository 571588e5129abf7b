"""Durable inbound: raw webhook deliveries first, processing after; their dead letters, and
statuses that came before their message."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contactcenter.accounts.models import Tenant, TenantManager, TenantScopedModel
from contactcenter.relay import first_wakeup_at

from .channels import Channel
from .messages import MessageStatus


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
