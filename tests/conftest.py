"""Base fixtures: two tenants with colliding names and three personas (Healthchecks' hc/test.py).

- alice: admin of tenant A, MFA enrolled;
- bob: agent of tenant A, fewer rights;
- charlie: admin of tenant B, the outsider, same display name as alice.
"""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from contactcenter.accounts.models import Role

from .factories import (
    PASSWORD,
    ConversationFactory,
    MembershipFactory,
    TenantFactory,
    UserFactory,
    enrol_totp,
)
from .live_servers import close_pooled_connections
from .remote_server import RemoteServer


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's; before it drops the test database, the connections still open are
    closed: the one of asgiref's executor thread (async tests run their ORM calls there, with
    a connection of its own), then the pool's."""
    yield
    asyncio.run(sync_to_async(connections.close_all)())
    close_pooled_connections()


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Throttle counters live in Redis: each test gets its own key prefix."""
    import uuid

    from django.core.cache import cache

    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def tenant_a(db):
    return TenantFactory(slug="acme", name="Acme")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(slug="acme-b", name="Acme")


@pytest.fixture
def alice(tenant_a):
    user = UserFactory(email="alice@a.test", full_name="Alice")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.ADMIN)
    enrol_totp(user)
    return user


@pytest.fixture
def bob(tenant_a):
    user = UserFactory(email="bob@a.test", full_name="Bob")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.AGENT)
    return user


@pytest.fixture
def charlie(tenant_b):
    user = UserFactory(email="alice@b.test", full_name="Alice")
    MembershipFactory(tenant=tenant_b, user=user, role=Role.ADMIN)
    enrol_totp(user)
    return user


def signed_in_client(user) -> Client:
    """A browser session that has passed password and, when enrolled, MFA."""
    client = Client()
    client.force_login(user)
    device = user.encryptedtotpdevice_set.filter(confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def open_conversation(tenant_a, bob):
    """Bob's conversation with a customer who wrote two hours ago (the window is open)."""
    return ConversationFactory(
        tenant=tenant_a,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=2),
    )


@pytest.fixture
def alice_client(alice) -> Client:
    return signed_in_client(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return signed_in_client(bob)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return signed_in_client(charlie)


@pytest.fixture(autouse=True)
def _graph_api_nowhere(settings):
    """Port 9 on loopback refuses connections, as when Meta is unreachable: no test reaches a
    server it did not start (a `make run` on this machine's port 8000 included)."""
    settings.GRAPH_API_BASE = "http://127.0.0.1:9/graph"
    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/webhooks/whatsapp/"
    settings.OUTBOUND_ALLOWED_ENDPOINTS = ["127.0.0.1:9"]


@pytest.fixture
def remote_server():
    """Starts RemoteServers (tests/remote_server.py) for one test and stops them after it."""
    servers: list[RemoteServer] = []

    def start(routes=None, **kwargs) -> RemoteServer:
        servers.append(RemoteServer(routes, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored media goes to a per-test folder, never into the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the caller, as they are queued (after commit, like the real ones).
    Every app's tasks are imported first, as a worker does, for those queued by name."""
    from contactcenter.celery import app

    app.loader.import_default_modules()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
