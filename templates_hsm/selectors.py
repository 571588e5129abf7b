from django.db.models import QuerySet

from inbox.models import Channel

from .models import Template, TemplateStatus


def approved_templates(channel: Channel) -> QuerySet[Template]:
    """What an agent may send on this number when the 24-hour window is closed."""
    return (
        Template.objects.for_tenant(channel.tenant)
        .filter(waba_id=channel.waba_id, status=TemplateStatus.APPROVED)
        .order_by("name", "language")
    )
