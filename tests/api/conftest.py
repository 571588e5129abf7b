"""API clients holding tenant tokens, for the tests of the REST API's shared behaviour."""

import pytest
from django.test import Client

from contactcenter.accounts import services
from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal, Scope


def token_client(user, tenant, scopes, **headers) -> Client:
    """A client with a fresh API token of `tenant`, made by its admin `user`."""
    admin = Principal.for_membership(Membership.objects.get(user=user, tenant=tenant))
    _, raw = services.create_api_token(
        tenant, principal=admin, name="CRM", scopes=[str(s) for s in scopes], ip=None
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)


@pytest.fixture
def crm(alice, tenant_a) -> Client:
    """Tenant A's CRM: an admin-made token with every grantable scope."""
    return token_client(
        alice,
        tenant_a,
        [Scope.INBOX_READ, Scope.INBOX_WRITE, Scope.CONVERSATIONS_ALL, Scope.CONFIG, Scope.AUDIT],
    )
