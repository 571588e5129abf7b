"""The ways customers reach a tenant (for now WhatsApp Business phone numbers)."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.utils import timezone

from contactcenter.accounts.models import TenantScopedModel
from contactcenter.fields import EncryptedTextField


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
