from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A local stand-in for Meta's Graph API; speaks to our product only over HTTP."""

    name = "inbox.sandbox"
    label = "sandbox"
    verbose_name = "WhatsApp sandbox Graph API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The services queue these tasks by name (tasks.py imports them). Registered in every
        # process, a name runs as its task (options, eager mode), not only sent to the broker.
        from . import tasks  # noqa: F401
