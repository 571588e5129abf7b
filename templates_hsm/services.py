"""Keeping our copy of each WABA's templates in step with Meta."""

import re

from django.db import transaction
from django.utils import timezone

from contactcenter.errors import ValidationFailed
from inbox.channels.whatsapp import outbound
from inbox.channels.whatsapp.client import GraphClient
from inbox.channels.whatsapp.parser import TemplateStatusChange
from inbox.models import Channel

from .models import Template, TemplateStatus
from .selectors import approved_templates

POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


def body_of(components: list[dict]) -> tuple[str, int]:
    """The body text and how many variables it needs (positional or named)."""
    for component in components or []:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == "BODY":
            text = str(component.get("text", ""))
            names = set(POSITIONAL.findall(text)) or set(NAMED.findall(text))
            return text, len(names)
    return "", 0


def _status(value: str) -> str:
    return value if value in TemplateStatus.values else TemplateStatus.OTHER


def sync_templates(channel: Channel) -> int:
    """Upserts every template Meta lists for the channel's WABA; drops those Meta no longer has.

    The list is fetched before the transaction opens: a slow Graph API must not hold a
    database connection idle in a transaction.
    """
    with GraphClient.for_channel(channel) as client:
        listed = client.list_templates(channel.waba_id)
    return _store_listed(channel, listed)


@transaction.atomic(durable=True)
def _store_listed(channel: Channel, listed: list[dict]) -> int:
    now = timezone.now()
    keep = []
    for item in listed:
        if not item.get("name") or not item.get("language"):
            continue
        text, count = body_of(item.get("components") or [])
        template, _ = Template.objects.update_or_create(
            tenant=channel.tenant,
            waba_id=channel.waba_id,
            name=item["name"],
            language=item["language"],
            defaults={
                "graph_id": str(item.get("id", "")),
                "category": item.get("category", ""),
                "status": _status(str(item.get("status", ""))),
                "components": item.get("components") or [],
                "body_text": text,
                "body_param_count": count,
                "synced_at": now,
            },
        )
        keep.append(template.pk)
    Template.objects.for_tenant(channel.tenant).filter(waba_id=channel.waba_id).exclude(
        pk__in=keep
    ).delete()
    return len(keep)


def apply_status_update(tenant, change: TemplateStatusChange) -> None:
    """Meta approved, rejected, paused or disabled a template: it shows (or not) at once.

    The receiver of `inbox.hooks.template_status_changed` (see apps.py)."""
    Template.objects.for_tenant(tenant).filter(
        waba_id=change.waba_id, name=change.name, language=change.language
    ).update(status=_status(change.status), synced_at=timezone.now())


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
