"""Canned responses: saved replies agents insert by shortcut."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from contactcenter.accounts.models import TenantScopedModel


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
