"""Realtime tests run on the real Redis channel layer, each under its own key prefix."""

import uuid

import pytest

from contactcenter.accounts.models import Role
from tests.conftest import signed_in_client
from tests.factories import MembershipFactory, UserFactory
from tests.live_servers import asgi_server  # noqa: F401 - fixture

from .hub import session_cookie


@pytest.fixture(autouse=True)
def _own_channel_layer(settings):
    """A prefix per test: no group or message of another test can reach these sockets."""
    layers = settings.CHANNEL_LAYERS
    config = {**layers["default"]["CONFIG"], "prefix": f"test-{uuid.uuid4().hex[:12]}"}
    settings.CHANNEL_LAYERS = {"default": {**layers["default"], "CONFIG": config}}


@pytest.fixture
def dora(tenant_a):
    """A second agent of tenant A."""
    user = UserFactory(email="dora@a.test", full_name="Dora")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.AGENT)
    return user


@pytest.fixture
def cookies(alice, bob, charlie, dora) -> dict[str, str]:
    """Session cookies by e-mail: alice (admin A), bob and dora (agents A), alice@b.test."""
    return {u.email: session_cookie(signed_in_client(u)) for u in (alice, bob, charlie, dora)}
