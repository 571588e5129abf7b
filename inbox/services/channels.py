"""Admin writes of WhatsApp numbers; secrets are stored encrypted and never shown again."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.services import record_audit_by
from contactcenter.errors import Conflict, ValidationFailed
from inbox.models import Channel

PUBLIC_FIELDS = (
    "name",
    "waba_id",
    "phone_number_id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "messaging_limit_tier",
    "throughput_mps",
    "is_active",
)
SECRET_FIELDS = ("app_secret", "access_token")


def _audit(principal: Principal, action: str, channel: Channel, ip: str | None, changed) -> None:
    # Names of changed secrets only, never their values.
    record_audit_by(principal, action, target=channel, ip=ip, data={"changed": sorted(changed)})


def _check(fields: dict) -> None:
    for key in ("waba_id", "phone_number_id"):
        value = str(fields.get(key, "")).strip()
        if key in fields and not value.isdigit():
            raise ValidationFailed(f"{key} is the numeric id from WhatsApp Manager; check it.")
    if "throughput_mps" in fields and not 1 <= int(fields["throughput_mps"]) <= 1000:
        raise ValidationFailed("Throughput is between 1 and 1000 messages per second.")


def _save(write):
    """Runs the write; a business account connected by another company is refused by the
    database (channel_waba_of_one_tenant: its template and account webhooks name no number,
    so it must name one company), with a message that says so."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        if "channel_waba_of_one_tenant" not in str(exc):
            raise
        raise Conflict(
            _(
                "This WhatsApp business account is connected by another company. A business "
                "account belongs to one company: check the id in WhatsApp Manager."
            )
        ) from exc


@transaction.atomic(durable=True)
def create_channel(tenant, *, principal: Principal, ip: str | None = None, **fields) -> Channel:
    principal.require(Scope.CONFIG)
    unknown = set(fields) - set(PUBLIC_FIELDS) - set(SECRET_FIELDS) - {"verify_token"}
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for required in ("name", "waba_id", "phone_number_id", "display_phone_number", *SECRET_FIELDS):
        if not str(fields.get(required, "")).strip():
            raise ValidationFailed(f"{required} is required to connect a WhatsApp number.")
    _check(fields)
    if Channel.objects.filter(phone_number_id=fields["phone_number_id"]).exists():
        raise Conflict(_("This phone number id is already connected (here or in another company)."))
    if not fields.get("verify_token"):
        fields["verify_token"] = secrets.token_urlsafe(24)
    channel = _save(lambda: Channel.objects.create(tenant=tenant, **fields))
    _audit(principal, "channel.created", channel, ip, fields.keys())
    return channel


@transaction.atomic(durable=True)
def update_channel(
    tenant, *, principal: Principal, channel: Channel, ip: str | None = None, **changes
) -> Channel:
    """Empty secret fields keep the stored secret (the form never shows it)."""
    principal.require(Scope.CONFIG)
    changes = {k: v for k, v in changes.items() if not (k in SECRET_FIELDS and not v)}
    unknown = set(changes) - set(PUBLIC_FIELDS) - set(SECRET_FIELDS)
    if unknown or "phone_number_id" in changes:
        raise ValidationFailed(
            "The phone number id cannot change; connect a new number instead."
            if "phone_number_id" in changes
            else f"Unknown fields: {', '.join(sorted(unknown))}."
        )
    _check(changes)
    channel = Channel.objects.for_tenant(tenant).select_for_update().get(pk=channel.pk)
    for key, value in changes.items():
        setattr(channel, key, value)
    if changes:
        _save(lambda: channel.save(update_fields=list(changes)))
        _audit(principal, "channel.updated", channel, ip, changes.keys())
    return channel
