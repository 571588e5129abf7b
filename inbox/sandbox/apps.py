from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A local stand-in for Meta's Graph API; speaks to our product only over HTTP."""

    name = "inbox.sandbox"
    label = "sandbox"
    verbose_name = "WhatsApp sandbox Graph API"
    default_auto_field = "django.db.models.BigAutoField"
