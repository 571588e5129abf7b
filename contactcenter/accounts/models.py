"""Tenants, users, memberships and roles, invitations, API tokens, the audit log.

Every tenant-owned model of the project subclasses `TenantScopedModel`: a non-null `tenant`
and a manager whose `for_tenant(tenant)` is the only way app code reads its rows.
"""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from contactcenter.fields import EncryptedTextField


class Tenant(models.Model):
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC")
    default_language = models.CharField(max_length=8, default="en")
    require_mfa = models.BooleanField(default=False)
    # Ask the customer to rate the service when an agent resolves (inbox.services.csat).
    csat_survey = models.BooleanField(
        _("Ask customers to rate the service when their conversation is resolved"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant: Tenant) -> "TenantQuerySet":
        if not isinstance(tenant, Tenant):
            raise TypeError("for_tenant() needs a Tenant instance")
        return self.filter(tenant=tenant)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    pass


class TenantScopedModel(models.Model):
    """Base of every tenant-owned table; unique constraints and hot indexes start with tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("Users need an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(AbstractBaseUser):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, blank=True, help_text=_("Overrides the tenant's"))
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Rotated to end every session of the user (password change, MFA reset, deactivation).
    security_stamp = models.CharField(max_length=64, default=secrets.token_hex)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django checks this hash on every request: rotating the stamp logs out all sessions.
        return salted_hmac(
            "contactcenter.accounts.User.session",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Admin")


class Membership(TenantScopedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Kept in every session bound to this company (accounts.tenancy); rotated to end those
    # sessions only (removal, MFA reset, sign out), not the person's sessions elsewhere.
    session_stamp = models.CharField(max_length=64, default=secrets.token_hex)
    # An admin of this company reset the person's MFA: they enter this company again only
    # with a device set up after it (cleared then). Their other companies are not affected.
    mfa_reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id} ({self.role})"


class Invitation(TenantScopedModel):
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # None when the operator invited (manage.py create_tenant) or an API token did.
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The invitation e-mail is accepted work (contactcenter/relay.py): the link's raw token is
    # kept, encrypted, only until the mail is sent; a Celery task sends it and the relay wakes
    # the task again at `mail_next_attempt_at` should its message be lost.
    link_token = EncryptedTextField(blank=True, default="")
    mail_next_attempt_at = models.DateTimeField(null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "email"]),
            # The relay's sweep across tenants: only mails still to send are indexed.
            models.Index(
                fields=["mail_next_attempt_at"],
                condition=models.Q(mail_next_attempt_at__isnull=False),
                name="invitation_mail_due",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation for {self.email}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(TenantScopedModel):
    """A tenant's key for CRMs; only its SHA-256 is stored, the key is shown once."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=32), default=list)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotentRequest(TenantScopedModel):
    """One `Idempotency-Key` of one principal on one endpoint, claimed by its unique row.

    `scope_digest` is the SHA-256 of principal, method, path and key (a path holds ids of any
    length, so the digest keeps the unique index bounded). Until `response_status` is set the
    request is in progress; then the stored answer is replayed for the same body.
    """

    scope_digest = models.CharField(max_length=64)
    principal = models.CharField(max_length=32)
    endpoint = models.TextField()
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "scope_digest"], name="idempotent_request_unique_scope"
            )
        ]
        # The expiry sweep looks across tenants by age.
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.endpoint} key {self.key}"


class AuditEvent(models.Model):
    """Append-only: a database trigger refuses UPDATE and DELETE (migration 0002).

    `tenant` is empty only for events no tenant can own (a failed login for an unknown e-mail).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    objects = TenantManager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-at"]),
            models.Index(fields=["tenant", "action", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only")
