"""Files attached to messages, downloaded from WhatsApp after the message is stored."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import TenantScopedModel

from .messages import Message


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
