"""What the sandbox keeps, as Meta would: numbers, customers, messages, media, templates and the
webhooks it owes our receiver. Nothing here refers to the product's own tables."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

# The customer service window: any user message opens it for 24 hours (reference §7.1).
WINDOW = timedelta(hours=24)


class SandboxNumber(models.Model):
    """A business phone number on the sandbox, with the credentials a Meta app would have."""

    phone_number_id = models.CharField(max_length=32, unique=True)
    waba_id = models.CharField(max_length=32, db_index=True)
    display_phone_number = models.CharField(max_length=32)
    verified_name = models.CharField(max_length=200, blank=True)
    app_secret = models.CharField(max_length=200)
    access_token = models.CharField(max_length=500, unique=True)
    verify_token = models.CharField(max_length=128, blank=True)
    # Blank: settings.SANDBOX_WEBHOOK_URL.
    webhook_url = models.URLField(blank=True)
    throughput_per_s = models.PositiveIntegerField(default=80)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.verified_name or 'Sandbox'} ({self.display_phone_number})"


class SandboxCustomer(models.Model):
    """A WhatsApp user who talks to a sandbox number; `last_message_at` opens the 24 h window."""

    number = models.ForeignKey(SandboxNumber, on_delete=models.CASCADE, related_name="customers")
    wa_id = models.CharField(max_length=32)
    profile_name = models.CharField(max_length=200, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The pair rate limit's theoretical arrival time (GCRA): how far ahead sends have borrowed.
    pair_tat = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["number", "wa_id"], name="sandbox_customer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.profile_name or self.wa_id} → {self.number.display_phone_number}"

    def is_within_window(self, now=None) -> bool:
        now = now or timezone.now()
        return self.last_message_at is not None and now - self.last_message_at < WINDOW


class Direction(models.TextChoices):
    INBOUND = "in", "Customer to business"
    OUTBOUND = "out", "Business to customer"


# Monotonic order of success statuses (reference §3.3); failed is terminal.
STATUS_RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4, "failed": 5}


class SandboxMessage(models.Model):
    """One message on a customer's thread, either way; `body` is the Graph object sent."""

    number = models.ForeignKey(SandboxNumber, on_delete=models.CASCADE, related_name="messages")
    customer = models.ForeignKey(SandboxCustomer, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    wamid = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=32)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=16, default="accepted")
    # [{"status": ..., "at": iso, "errors": [...]}], in the order they happened.
    timeline = models.JSONField(default=list, blank=True)
    # Decided at send time: the statuses still to emit (a failure code replaces the ticks).
    failure_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.direction} {self.type} {self.wamid}"


class SandboxMedia(models.Model):
    """A file uploaded by the business or sent by a customer; `media_id` is its Graph id."""

    number = models.ForeignKey(SandboxNumber, on_delete=models.CASCADE, related_name="media")
    media_id = models.CharField(max_length=32, unique=True)
    content = models.BinaryField()
    mime_type = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.media_id} ({self.mime_type})"

    @property
    def file_size(self) -> int:
        return len(self.content)


class TemplateStatus(models.TextChoices):
    APPROVED = "APPROVED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"


class SandboxTemplate(models.Model):
    """A message template of a WABA, keyed like Meta by (name, language)."""

    waba_id = models.CharField(max_length=32)
    graph_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=TemplateStatus.choices, default=TemplateStatus.PENDING
    )
    parameter_format = models.CharField(max_length=16, default="POSITIONAL")
    components = models.JSONField(default=list)
    rejected_reason = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["waba_id", "name", "language"], name="sandbox_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}] {self.status}"


class SandboxWebhook(models.Model):
    """A webhook the sandbox owes our receiver: the exact bytes, signed, retried until 200.

    Status webhooks are built when their moment comes (first attempt); the others at creation.
    """

    number = models.ForeignKey(SandboxNumber, on_delete=models.CASCADE, related_name="webhooks")
    message = models.ForeignKey(
        SandboxMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    status = models.CharField(max_length=16, blank=True)
    # When a status is owed (its task is due then); with batching, statuses due by the time
    # one leaves ride in the same POST, `batched_into` naming it.
    due_at = models.DateTimeField(null=True, blank=True)
    batched_into = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="riders"
    )
    body = models.TextField(blank=True)
    # Re-send the same bytes once after a success (Meta's duplicates).
    is_duplicated = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"webhook {self.pk} ({self.status or 'event'})"
