"""Reads of tenancy, tokens and audit."""

from django.db.models import QuerySet

from .models import ApiToken, AuditEvent, Invitation, Membership, Tenant, User


def active_membership(user: User, tenant_id: int | None) -> Membership | None:
    """The membership for the session's tenant, else the user's first active one."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(
        "tenant", "user"
    )
    if tenant_id is not None:
        chosen = memberships.filter(tenant_id=tenant_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("created_at", "pk").first()


def memberships_of_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("tenant")
        .order_by("tenant__name")
    )


def tenant_memberships(tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("user__email")


def tenant_invitations(tenant: Tenant) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_tenant(tenant).select_related("invited_by").order_by("-created_at")
    )


def tenant_tokens(tenant: Tenant) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_tenant(tenant).select_related("created_by").order_by("-created_at")


def audit_events(
    tenant: Tenant,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_tenant(tenant).select_related("actor").order_by("-at", "-pk")
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if target_type:
        events = events.filter(target_type=target_type)
    if since:
        events = events.filter(at__gte=since)
    if until:
        events = events.filter(at__lt=until)
    return events


def tenant_for_update(tenant: Tenant) -> Tenant:
    """A fresh copy of the tenant (the form mutated the request's instance while validating)."""
    return Tenant.objects.get(pk=tenant.pk)
