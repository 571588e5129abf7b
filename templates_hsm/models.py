"""WhatsApp message templates as Meta knows them (the governance workflow comes later)."""

from django.db import models
from django.utils import timezone

from contactcenter.accounts.models import TenantScopedModel


class TemplateStatus(models.TextChoices):
    """The adapter's TEMPLATE_STATUSES and OTHER (inbox/channels/whatsapp/message_templates.py)."""

    APPROVED = "APPROVED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"
    OTHER = "OTHER"


class Template(TenantScopedModel):
    """One (name, language) of a WhatsApp Business Account, synced from the Graph API."""

    waba_id = models.CharField(max_length=32)
    graph_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=TemplateStatus.choices)
    # The adapter's TemplateComponents as JSON (header, body, footer, buttons), not Meta's.
    components = models.JSONField(default=list, blank=True)
    body_text = models.TextField(blank=True)
    body_param_count = models.PositiveSmallIntegerField(default=0)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "waba_id", "name", "language"], name="template_unique_per_waba"
            )
        ]
        indexes = [models.Index(fields=["tenant", "waba_id", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def param_numbers(self) -> range:
        return range(1, self.body_param_count + 1)
