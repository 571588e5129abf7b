"""The one permission layer, shared by views, the API and websockets.

A role grants a set of scopes; an API token carries scopes chosen by the admin who made it.
Everything asks `principal.can(Scope.X)`.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from rest_framework.permissions import BasePermission

from contactcenter.errors import Forbidden

from .models import ApiToken, Membership, Role, Tenant, User


class Scope(StrEnum):
    INBOX_READ = "inbox:read"  # conversations the principal may see, and their messages
    INBOX_WRITE = "inbox:write"  # reply, resolve, transfer
    CONVERSATIONS_ALL = "conversations:all"  # every conversation of the tenant, not only own/queue
    DASHBOARD = "dashboard:read"
    CONFIG = "config:write"  # channels, queues, skills, templates, routing
    USERS = "users:write"  # memberships, roles, invitations, MFA reset
    TOKENS = "tokens:write"
    AUDIT = "audit:read"


ROLE_SCOPES: dict[str, frozenset[Scope]] = {
    Role.AGENT: frozenset({Scope.INBOX_READ, Scope.INBOX_WRITE}),
    Role.SUPERVISOR: frozenset(
        {Scope.INBOX_READ, Scope.INBOX_WRITE, Scope.CONVERSATIONS_ALL, Scope.DASHBOARD}
    ),
    Role.ADMIN: frozenset(Scope),
}

# Tokens act for a system, not a person: they may never manage people or other tokens.
TOKEN_GRANTABLE_SCOPES = frozenset(
    {
        Scope.INBOX_READ,
        Scope.INBOX_WRITE,
        Scope.CONVERSATIONS_ALL,
        Scope.DASHBOARD,
        Scope.CONFIG,
        Scope.AUDIT,
    }
)


@dataclass(frozen=True)
class Principal:
    """Who is acting, for which tenant, with what scopes."""

    tenant: Tenant
    user: User | None = None
    membership: Membership | None = None
    token: ApiToken | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # Whoever runs the management commands on the installation (create_tenant).
    is_operator: bool = False

    @classmethod
    def for_operator(cls, tenant: Tenant) -> "Principal":
        return cls(tenant=tenant, scopes=frozenset({Scope.USERS}), is_operator=True)

    @classmethod
    def for_membership(cls, membership: Membership) -> "Principal":
        return cls(
            tenant=membership.tenant,
            user=membership.user,
            membership=membership,
            scopes=ROLE_SCOPES[membership.role],
        )

    @classmethod
    def for_token(cls, token: ApiToken) -> "Principal":
        return cls(tenant=token.tenant, token=token, scopes=frozenset(token.scopes))

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.is_operator:
            return "operator"
        return f"token:{self.token.prefix}" if self.token else "system"

    def can(self, scope: Scope) -> bool:
        return scope in self.scopes

    def require(self, scope: Scope) -> None:
        if not self.can(scope):
            raise Forbidden()


def principal_from_request(request) -> Principal | None:
    """The principal of a Django or DRF request (token auth first, else session membership)."""
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        return Principal.for_token(token)
    membership = getattr(request, "membership", None)
    if membership is None and hasattr(request, "_request"):
        membership = getattr(request._request, "membership", None)
    return Principal.for_membership(membership) if membership is not None else None


class IsTenantMember(BasePermission):
    """DRF default: a principal of some tenant, holding the view's `required_scope`."""

    message = "Sign in, or send a valid API token, for a company you belong to."

    def has_permission(self, request, view) -> bool:
        principal = principal_from_request(request)
        if principal is None:
            return False
        request.principal = principal
        scope = getattr(view, "required_scopes", {}).get(request.method) or getattr(
            view, "required_scope", None
        )
        if scope is not None:
            principal.require(scope)
        return True
