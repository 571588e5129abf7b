"""Every write of tenancy, people, tokens and MFA, each with its AuditEvent in one transaction."""

import hashlib
import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken

from contactcenter.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contactcenter.realtime.groups import session_group, user_group
from contactcenter.realtime.publish import revoke_on_commit

from . import mail, mfa
from .models import ApiToken, AuditEvent, Invitation, Membership, Role, Tenant, User
from .otp.models import BackupCode, BackupCodeDevice, EncryptedTOTPDevice, backup_code_digest
from .permissions import TOKEN_GRANTABLE_SCOPES, Principal, Scope

INVITATION_TTL = timedelta(days=7)
BACKUP_CODE_COUNT = 10
TOKEN_KEY_PREFIX = "cc"


def _close_sockets(user: User, tenant: Tenant | None = None) -> None:
    """After commit, the user's open websockets (in one company, or all) are closed."""
    tenant_ids = (
        [tenant.pk]
        if tenant is not None
        else Membership.objects.filter(user=user).values_list("tenant_id", flat=True)
    )
    revoke_on_commit([user_group(tenant_id, user.pk) for tenant_id in tenant_ids])


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def record_audit(
    tenant: Tenant | None,
    *,
    actor: User | None,
    action: str,
    target: object | None = None,
    ip: str | None = None,
    data: dict | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Composed by services inside their transaction; never called on its own by views."""
    return AuditEvent.objects.create(
        tenant=tenant,
        actor=actor,
        actor_label=actor_label or (actor.email if actor else ""),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        ip=ip,
        data=data or {},
    )


def record_audit_by(
    principal: Principal,
    action: str,
    *,
    target: object | None = None,
    ip: str | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """What a principal (a member or an API token) did, in their company: the one helper every
    app's services audit their writes with, inside their transaction."""
    return record_audit(
        principal.tenant,
        actor=principal.user,
        actor_label=principal.label,
        action=action,
        target=target,
        ip=ip,
        data=data,
    )


def _audit_user_everywhere(user: User, action: str, *, ip: str | None, data: dict | None = None):
    """Account events (logins, MFA) belong to every tenant the user works for."""
    tenant_ids = list(
        Membership.objects.filter(user=user, is_active=True).values_list("tenant_id", flat=True)
    )
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        record_audit(tenant, actor=user, action=action, target=user, ip=ip, data=data)
    if not tenant_ids:
        record_audit(None, actor=user, action=action, target=user, ip=ip, data=data)


# --- Sign-in -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def record_login(
    *, email: str, user: User | None, succeeded: bool, ip: str | None, step: str = "password"
) -> None:
    action = "login.succeeded" if succeeded else "login.failed"
    if user is None:
        # Unknown e-mail: no tenant may see it, and the address is kept for ops only.
        record_audit(
            None, actor=None, actor_label=email[:200], action=action, ip=ip, data={"step": step}
        )
        return
    _audit_user_everywhere(user, action, ip=ip, data={"step": step})


@transaction.atomic(durable=True)
def record_logout(*, user: User, ip: str | None, session_key: str | None) -> None:
    """The session has ended: its open websockets are closed too."""
    _audit_user_everywhere(user, "logout", ip=ip)
    if session_key:
        revoke_on_commit([session_group(session_key)], signed_out=True)


def rotate_security_stamp(user: User) -> None:
    """Ends every session of the user (the stamp is part of the session auth hash)."""
    user.security_stamp = secrets.token_hex(16)
    user.save(update_fields=["security_stamp"])
    _close_sockets(user)


@transaction.atomic(durable=True)
def record_password_change(*, user: User, ip: str | None, via: str) -> None:
    _audit_user_everywhere(user, "password.changed", ip=ip, data={"via": via})


# --- MFA -----------------------------------------------------------------------------------


def _check_may_enrol(user: User, verified_with: Device | None) -> None:
    if not mfa.may_enrol(user, verified_with):
        raise Forbidden(
            _(
                "Sign in with your current authenticator app first; then you can set up a new "
                "one. Lost it? Ask an admin of your company to reset your two-factor sign-in."
            )
        )


@transaction.atomic(durable=True)
def start_totp_enrolment(*, user: User, verified_with: Device | None) -> EncryptedTOTPDevice:
    """An unconfirmed device beside the confirmed one, which keeps working until the new one is
    confirmed; a retried enrolment replaces the unconfirmed one. `verified_with` is the device
    the session was verified with (mfa.session_device)."""
    _check_may_enrol(user, verified_with)
    EncryptedTOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return EncryptedTOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic(durable=True)
def confirm_totp_enrolment(
    *, user: User, token: str, verified_with: Device | None, ip: str | None
) -> tuple[EncryptedTOTPDevice, list[str]]:
    """Confirms the pending device with a first code; only then are the old device and backup
    codes removed. Returns the device and new backup codes (shown once)."""
    _check_may_enrol(user, verified_with)
    device = (
        EncryptedTOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        raise NotFound("No enrolment is in progress. Start again from the enrolment page.")
    if not device.verify_token(token):
        raise ValidationFailed(
            "That code is not right. Check the time on your phone and type the current 6 digits."
        )
    replaced = EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).delete()[0] > 0
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # A device set up after an admin's reset is what the reset asked for, in every company.
    Membership.objects.filter(user=user, mfa_reset_at__isnull=False).update(mfa_reset_at=None)
    codes = _replace_backup_codes(user)
    action = "mfa.replaced" if replaced else "mfa.enrolled"
    _audit_user_everywhere(user, action, ip=ip, data={"device": device.name})
    return device, codes


def _replace_backup_codes(user: User) -> list[str]:
    """New codes, in django-otp's format; only their keyed hashes are stored."""
    BackupCodeDevice.objects.filter(user=user).delete()
    device = BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, digest=backup_code_digest(user.pk, c)) for c in codes
    )
    return codes


@transaction.atomic(durable=True)
def record_mfa_attempt(*, user: User, succeeded: bool, ip: str | None, method: str) -> None:
    action = "mfa.verified" if succeeded else "mfa.failed"
    _audit_user_everywhere(user, action, ip=ip, data={"method": method})


def _sign_out_of_tenant(tenant: Tenant, membership: Membership) -> None:
    """Ends the person's sessions bound to this company and closes their sockets in it; their
    sessions in other companies go on. The caller holds the membership's row lock."""
    membership.session_stamp = secrets.token_hex(32)
    membership.save(update_fields=["session_stamp"])
    _close_sockets(membership.user, tenant)


def _lock_membership(tenant: Tenant, membership: Membership) -> Membership:
    return (
        Membership.objects.for_tenant(tenant)
        .select_for_update()
        .select_related("user")
        .get(pk=membership.pk)
    )


@transaction.atomic(durable=True)
def reset_mfa(
    tenant: Tenant, *, principal: Principal, membership: Membership, ip: str | None
) -> Membership:
    """Admin action, for this company only: the person is signed out here and enters again
    only with a new device. Their devices still guard their other companies, so they are
    removed only when no other company relies on them (then the person enrols after the
    password); otherwise the person verifies with the current device, then sets up a new one."""
    principal.require(Scope.USERS)
    membership = _lock_membership(tenant, membership)
    user = membership.user
    membership.mfa_reset_at = timezone.now()
    membership.save(update_fields=["mfa_reset_at"])
    guards_elsewhere = (
        Membership.objects.filter(user=user, is_active=True, mfa_reset_at__isnull=True)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not guards_elsewhere:
        EncryptedTOTPDevice.objects.filter(user=user).delete()
        BackupCodeDevice.objects.filter(user=user).delete()
    _sign_out_of_tenant(tenant, membership)
    record_audit_by(principal, "mfa.reset", target=membership, ip=ip, data={"user": user.email})
    return membership


@transaction.atomic(durable=True)
def sign_out_member(
    tenant: Tenant, *, principal: Principal, membership: Membership, ip: str | None
) -> Membership:
    """Admin action: ends the person's sessions and sockets in this company only."""
    principal.require(Scope.USERS)
    membership = _lock_membership(tenant, membership)
    _sign_out_of_tenant(tenant, membership)
    record_audit_by(
        principal,
        "membership.signed_out",
        target=membership,
        ip=ip,
        data={"user": membership.user.email},
    )
    return membership


# --- Memberships and invitations -----------------------------------------------------------


def _check_not_last_admin(tenant: Tenant, membership: Membership) -> None:
    others = (
        Membership.objects.for_tenant(tenant)
        .filter(role=Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
    )
    if membership.role == Role.ADMIN and not others.exists():
        raise Conflict("This is the company's last admin. Make someone else admin first.")


@transaction.atomic(durable=True)
def change_role(
    tenant: Tenant, *, principal: Principal, membership: Membership, role: str, ip: str | None
) -> Membership:
    principal.require(Scope.USERS)
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}; choose agent, supervisor or admin.")
    membership = Membership.objects.for_tenant(tenant).select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if role != Role.ADMIN:
        _check_not_last_admin(tenant, membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _close_sockets(membership.user, tenant)  # its groups depend on the role
    record_audit_by(
        principal,
        "membership.role_changed",
        target=membership,
        ip=ip,
        data={"user": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic(durable=True)
def deactivate_membership(
    tenant: Tenant, *, principal: Principal, membership: Membership, ip: str | None
) -> Membership:
    principal.require(Scope.USERS)
    membership = _lock_membership(tenant, membership)
    _check_not_last_admin(tenant, membership)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _sign_out_of_tenant(tenant, membership)
    record_audit_by(
        principal,
        "membership.deactivated",
        target=membership,
        ip=ip,
        data={"user": membership.user.email},
    )
    return membership


@transaction.atomic(durable=True)
def invite_member(
    tenant: Tenant, *, principal: Principal, email: str, role: str, ip: str | None
) -> tuple[Invitation, str]:
    """Returns the invitation and its single-use link token; a Celery task e-mails the link
    after commit (accounts/mail.py)."""
    principal.require(Scope.USERS)
    return _invite(tenant, principal=principal, email=email, role=role, ip=ip)


def _invite(
    tenant: Tenant, *, principal: Principal, email: str, role: str, ip: str | None
) -> tuple[Invitation, str]:
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}; choose agent, supervisor or admin.")
    if (
        Membership.objects.for_tenant(tenant)
        .filter(user__email__iexact=email, is_active=True)
        .exists()
    ):
        raise Conflict(f"{email} already works in this company; change their role instead.")
    Invitation.objects.for_tenant(tenant).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=hash_secret(raw),
        invited_by=principal.user,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    record_audit_by(
        principal,
        "invitation.created",
        target=invitation,
        ip=ip,
        data={"email": email, "role": role},
    )
    mail.schedule_invitation_mail(invitation, raw)
    return invitation, raw


def find_pending_invitation(raw_token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("tenant")
        .filter(token_hash=hash_secret(raw_token))
        .first()
    )
    if invitation is None or not invitation.is_pending:
        raise NotFound("This invitation link is not valid any more. Ask your admin for a new one.")
    return invitation


@transaction.atomic(durable=True)
def accept_invitation(
    *, raw_token: str, user: User | None, full_name: str = "", password: str = "", ip: str | None
) -> Membership:
    """The role is the one the inviting admin chose; the invitee only proves the address."""
    invitation = find_pending_invitation(raw_token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise NotFound("This invitation link is not valid any more. Ask your admin for a new one.")
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict("An account exists for this address: sign in first, then open the link.")
        user = User.objects.create_user(invitation.email, password, full_name=full_name)
    elif user.email.lower() != invitation.email.lower():
        raise Forbidden(f"This invitation is for {invitation.email}. Sign in with that account.")
    membership, _created = Membership.objects.update_or_create(
        tenant=invitation.tenant, user=user, defaults={"role": invitation.role, "is_active": True}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_audit(
        invitation.tenant,
        actor=user,
        action="invitation.accepted",
        target=membership,
        ip=ip,
        data={"role": invitation.role},
    )
    return membership


@transaction.atomic(durable=True)
def revoke_invitation(
    tenant: Tenant, *, principal: Principal, invitation: Invitation, ip: str | None
) -> Invitation:
    principal.require(Scope.USERS)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_audit_by(principal, "invitation.revoked", target=invitation, ip=ip)
    return invitation


# --- API tokens ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_api_token(
    tenant: Tenant, *, principal: Principal, name: str, scopes: list[str], ip: str | None
) -> tuple[ApiToken, str]:
    """Returns the token row and the key, which is shown once and stored only as a hash."""
    principal.require(Scope.TOKENS)
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the token a name that says which system uses it.")
    unknown = sorted(set(scopes) - TOKEN_GRANTABLE_SCOPES)
    if unknown or not scopes:
        raise ValidationFailed(
            "Choose one or more scopes from: " + ", ".join(sorted(TOKEN_GRANTABLE_SCOPES)),
            extra={"unknown": unknown},
        )
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        tenant=tenant,
        name=name,
        prefix=prefix,
        key_hash=hash_secret(raw),
        scopes=sorted(set(scopes)),
        created_by=principal.user,
    )
    record_audit_by(
        principal,
        "api_token.created",
        target=token,
        ip=ip,
        data={"name": name, "scopes": token.scopes},
    )
    return token, raw


@transaction.atomic(durable=True)
def revoke_api_token(
    tenant: Tenant, *, principal: Principal, token: ApiToken, ip: str | None
) -> ApiToken:
    principal.require(Scope.TOKENS)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit_by(principal, "api_token.revoked", target=token, ip=ip)
    return token


def touch_api_token(token: ApiToken) -> None:
    """At most one write a minute per token: last_used_at is for humans, not accounting."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Tenants -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def update_tenant_settings(
    tenant: Tenant, *, principal: Principal, ip: str | None, **changes
) -> Tenant:
    principal.require(Scope.CONFIG)
    allowed = {"name", "time_zone", "default_language", "require_mfa", "csat_survey"}
    if set(changes) - allowed:
        raise ValidationFailed(
            "Only name, time zone, default language, MFA and the survey can change here."
        )
    before = {k: getattr(tenant, k) for k in changes}
    for key, value in changes.items():
        setattr(tenant, key, value)
    tenant.save(update_fields=list(changes))
    record_audit_by(
        principal, "tenant.updated", target=tenant, ip=ip, data={"before": before, "after": changes}
    )
    return tenant


def set_user_language(*, user: User, language: str) -> None:
    """A personal preference: no audit, no company involved."""
    User.objects.filter(pk=user.pk).update(language=language)


TENANT_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class TenantSetup:
    """What `create_tenant` did: `created` the company and invited its admin, `invited` the
    admin into a company that existed, or `unchanged` (the admin is one already, or has an
    invitation still open: `invitation` is that one)."""

    tenant: Tenant
    outcome: str
    invitation: Invitation | None = None


def _check_tenant_fields(*, name: str, slug: str, time_zone: str, language: str, email: str):
    if not name or len(name) > 200:
        raise ValidationFailed("Give the company a name of 1 to 200 characters.")
    if len(slug) > 63 or not TENANT_SLUG.fullmatch(slug):
        raise ValidationFailed(
            f"The slug {slug!r} is not usable: up to 63 lower-case letters, digits and single "
            "dashes, e.g. acme-telecom."
        )
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationFailed(
            f"Unknown time zone {time_zone!r}: use an IANA name such as America/Sao_Paulo, "
            "Europe/Madrid or UTC."
        )
    if language not in dict(settings.LANGUAGES):
        languages = ", ".join(code for code, _label in settings.LANGUAGES)
        raise ValidationFailed(f"Unknown language {language!r}: choose one of {languages}.")
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationFailed(f"{email!r} is not an e-mail address.") from exc


@transaction.atomic(durable=True)
def create_tenant(
    *, name: str, slug: str, time_zone: str, language: str, admin_email: str
) -> TenantSetup:
    """An operator's first step on an installation: a company and its first admin, invited by
    e-mail (the invitation's page sets the password; MFA, which admins always need, follows at
    first sign-in). No demo data.

    Safe to run again: the same arguments change nothing. Another admin e-mail for an existing
    company invites that person as another admin (the way back in when the first address was
    wrong); other settings than the company's are refused, not changed (its admins change them
    on the settings page)."""
    name, slug, email = name.strip(), slug.strip(), admin_email.strip().lower()
    _check_tenant_fields(name=name, slug=slug, time_zone=time_zone, language=language, email=email)
    tenant = Tenant.objects.select_for_update().filter(slug=slug).first()
    created = tenant is None
    if created:
        tenant = Tenant.objects.create(
            slug=slug, name=name, time_zone=time_zone, default_language=language, require_mfa=True
        )
        record_audit(
            tenant, actor=None, actor_label="operator", action="tenant.created", target=tenant
        )
    else:
        _check_same_tenant(tenant, name=name, time_zone=time_zone, language=language)
    membership = (
        Membership.objects.for_tenant(tenant)
        .filter(user__email__iexact=email, is_active=True)
        .first()
    )
    if membership is not None:
        if membership.role != Role.ADMIN:
            raise Conflict(
                f"{email} works in {tenant.name} as {membership.role}: an admin of the company "
                "makes them admin on its Members page."
            )
        return TenantSetup(tenant, "unchanged")
    open_invitation = (
        Invitation.objects.for_tenant(tenant)
        .filter(email__iexact=email, role=Role.ADMIN, accepted_at__isnull=True)
        .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if open_invitation is not None:
        return TenantSetup(tenant, "unchanged", open_invitation)
    invitation, _raw = _invite(
        tenant, principal=Principal.for_operator(tenant), email=email, role=Role.ADMIN, ip=None
    )
    return TenantSetup(tenant, "created" if created else "invited", invitation)


def _check_same_tenant(tenant: Tenant, *, name: str, time_zone: str, language: str) -> None:
    asked = {"name": name, "time zone": time_zone, "language": language}
    has = {"name": tenant.name, "time zone": tenant.time_zone, "language": tenant.default_language}
    differ = [
        f"{key} {has[key]!r} (asked: {asked[key]!r})" for key in asked if asked[key] != has[key]
    ]
    if differ:
        raise Conflict(
            f"A company with the slug {tenant.slug!r} exists already, with "
            + ", ".join(differ)
            + ". Nothing was changed: its admins change its settings in the product, or give "
            "another --slug for a new company."
        )
