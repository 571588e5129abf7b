"""The tenant's catalogue of conversation labels."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import TenantScopedModel


class LabelColor(models.TextChoices):
    GRAY = "gray", _("Gray")
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")
    BLUE = "blue", _("Blue")
    PURPLE = "purple", _("Purple")


class Label(TenantScopedModel):
    """The tenant's catalogue of conversation labels (agents tag, rules add, reports group)."""

    name = models.CharField(max_length=50)
    color = models.CharField(max_length=8, choices=LabelColor.choices, default=LabelColor.GRAY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="label_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
