"""Contacts, their consent to business-initiated messages, and how each channel knows them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import TenantScopedModel

from .channels import ChannelKind


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
