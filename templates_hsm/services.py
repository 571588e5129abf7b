"""Keeping our copy of each WABA's templates in step with Meta, in the adapter's terms
(`TemplateInfo`): nothing here reads Meta's JSON."""

from django.db import transaction
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from contactcenter.errors import ValidationFailed
from inbox.channels.whatsapp import outbound
from inbox.channels.whatsapp.client import GraphClient
from inbox.channels.whatsapp.message_templates import TemplateInfo, read_template_status
from inbox.channels.whatsapp.parser import TemplateStatusChange
from inbox.models import Channel

from .models import Template
from .selectors import approved_templates


def sync_templates(channel: Channel) -> int:
    """Upserts every template Meta lists for the channel's WABA; drops those Meta no longer has.

    The list is fetched before the transaction opens: a slow Graph API must not hold a
    database connection idle in a transaction.
    """
    with GraphClient.for_channel(channel) as client:
        listed = client.list_templates(channel.waba_id)
    return _store_listed(channel, listed)


@transaction.atomic(durable=True)
def _store_listed(channel: Channel, listed: list[TemplateInfo]) -> int:
    now = timezone.now()
    keep = [
        store_template(channel.tenant, waba_id=channel.waba_id, info=info, now=now).pk
        for info in listed
    ]
    Template.objects.for_tenant(channel.tenant).filter(waba_id=channel.waba_id).exclude(
        pk__in=keep
    ).delete()
    return len(keep)


def store_template(tenant: Tenant, *, waba_id: str, info: TemplateInfo, now=None) -> Template:
    """Our copy of one template as the adapter read it (created, or brought to these values)."""
    template, _ = Template.objects.update_or_create(
        tenant=tenant,
        waba_id=waba_id,
        name=info.name,
        language=info.language,
        defaults={
            "graph_id": info.graph_id,
            "category": info.category,
            "status": info.status,
            "components": info.components_as_json(),
            "body_text": info.body_text,
            "body_param_count": info.body_param_count,
            "synced_at": now or timezone.now(),
        },
    )
    return template


def apply_status_update(tenant, change: TemplateStatusChange) -> None:
    """Meta approved, rejected, paused or disabled a template: it shows (or not) at once.

    The receiver of `inbox.hooks.template_status_changed` (see apps.py)."""
    Template.objects.for_tenant(tenant).filter(
        waba_id=change.waba_id, name=change.name, language=change.language
    ).update(status=read_template_status(change.status), synced_at=timezone.now())


def template_content(channel: Channel, *, template_id, params: list[str]) -> dict:
    """The send content of an approved template, with exactly the values its body needs."""
    template = approved_templates(channel).filter(pk=template_id).first()
    if template is None:
        raise ValidationFailed("Choose an approved template of this number.")
    values = [p.strip() for p in params]
    if len(values) != template.body_param_count or not all(values):
        raise ValidationFailed(
            f"The template {template.name} needs {template.body_param_count} values; fill each one."
        )
    return outbound.template_content(template.name, template.language, values)
