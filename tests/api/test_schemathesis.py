"""Schemathesis over the OpenAPI document, with two tenants: every operation, with data that
fits the schema and data that does not, answers without a 5xx; tenant A's credentials never
read or write tenant B's objects (B's ids as path parameters are a 404, B's rows unchanged).

Operations that tokens may never call (people, tokens, presence) run with A's admin session.
Bounded by a fixed number of examples per operation, derandomized: the run is repeatable and
takes about a minute.
"""

import json
from datetime import timedelta

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.forms.models import model_to_dict
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NOT_SET
from schemathesis.generation.modes import GenerationMode

from contactcenter.accounts.models import ApiToken, Invitation, Membership
from contactcenter.accounts.permissions import TOKEN_GRANTABLE_SCOPES, Scope
from inbox.models import Channel, Contact, Conversation, Message
from routing.models import AgentProfile, BusinessHours, Queue, RoutingRule, Skill
from tests.conftest import signed_in_client
from tests.factories import (
    AgentProfileFactory,
    BusinessHoursFactory,
    ChannelFactory,
    ConversationFactory,
    InboundMessageFactory,
    QueueFactory,
    RoutingRuleFactory,
    SkillFactory,
)

from .conftest import token_client

FUZZ = settings(
    max_examples=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
TENANT_MODELS = [
    Channel,
    Contact,
    Conversation,
    Message,
    Skill,
    Queue,
    RoutingRule,
    BusinessHours,
    AgentProfile,
    Membership,
    Invitation,
    ApiToken,
]
PEOPLE_ONLY = ("/api/v1/memberships/", "/api/v1/invitations/", "/api/v1/tokens/")
PEOPLE_ONLY += ("/api/v1/routing/presence/",)
ROUTING_KINDS = {
    "skills": "skill",
    "queues": "queue",
    "rules": "rule",
    "business-hours": "hours",
    "agents": "agent",
}
CSRF = "c" * 32


def _objects(tenant, admin) -> dict:
    """One object of each kind a path parameter can name, by parameter name."""
    channel = ChannelFactory(tenant=tenant)
    conversation = ConversationFactory(
        tenant=tenant, channel=channel, last_inbound_at=timezone.now()
    )
    InboundMessageFactory(conversation=conversation)
    queue = QueueFactory(tenant=tenant)
    invitation = Invitation.objects.create(
        tenant=tenant,
        email="new@x.test",
        role="agent",
        token_hash=f"hash-{tenant.pk}",
        invited_by=admin,
        expires_at=timezone.now() + timedelta(days=1),
    )
    token_client(admin, tenant, [Scope.INBOX_READ])
    return {
        "channel_id": channel.pk,
        "conversation_id": conversation.pk,
        "skill": SkillFactory(tenant=tenant).pk,
        "queue": queue.pk,
        "rule": RoutingRuleFactory(tenant=tenant, queue=queue).pk,
        "hours": BusinessHoursFactory(tenant=tenant).pk,
        "agent": AgentProfileFactory(tenant=tenant).pk,
        "membership_id": Membership.objects.get(tenant=tenant, user=admin).pk,
        "invitation_id": invitation.pk,
        "token_id": ApiToken.objects.filter(tenant=tenant).latest("pk").pk,
    }


def _path_ids(ids: dict, operation) -> dict:
    params = {}
    for parameter in operation.path_parameters:
        name = parameter.name
        params[name] = ids[ROUTING_KINDS[operation.path.split("/")[4]] if name == "id" else name]
    return params


def _snapshot(tenant) -> dict:
    return {
        model.__name__: sorted(
            json.dumps(model_to_dict(row), default=str, sort_keys=True)
            for row in model.objects.filter(tenant=tenant)
        )
        for model in TENANT_MODELS
    }


@pytest.fixture
def wsgi(settings):
    """The project's WSGI app for schemathesis' in-process transport; the test's transaction
    stays open across requests, as Django's test client keeps it."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100000/min", "ip": "100000/min"},
    }
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz(strategy, auth: dict, failures: list, expect: int | None = None) -> int:
    """Sends the cases with `auth` (call keywords); notes each 5xx, or any answer but `expect`."""
    calls = 0

    @FUZZ
    @given(case=strategy)
    def run(case):
        nonlocal calls
        calls += 1
        case.headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
        response = case.call(**auth)
        if response.status_code >= 500 or expect not in (None, response.status_code):
            failures.append(
                f"{case.method} {case.formatted_path} {case.query} "
                f"{None if case.body is NOT_SET else case.body!r:.200}"
                f" -> {response.status_code} {response.text[:200]}"
            )

    run()
    return calls


@pytest.mark.timeout(240)
def test_every_operation_gives_no_5xx_and_never_reaches_the_other_tenant(
    wsgi, alice, charlie, tenant_a, tenant_b
):
    a_ids, b_ids = _objects(tenant_a, alice), _objects(tenant_b, charlie)
    bearer = token_client(alice, tenant_a, TOKEN_GRANTABLE_SCOPES).defaults["HTTP_AUTHORIZATION"]
    token = {"headers": {"Authorization": bearer}}
    session_id = signed_in_client(alice).cookies[django_settings.SESSION_COOKIE_NAME].value
    session = {
        "headers": {"X-CSRFToken": CSRF},
        "cookies": {django_settings.SESSION_COOKIE_NAME: session_id, "csrftoken": CSRF},
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi, **token)
    b_before = _snapshot(tenant_b)
    failures, calls = [], 0

    for result in schema.get_all_operations():
        operation = result.ok()
        auth = session if operation.path.startswith(PEOPLE_ONLY) else token
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            calls += _fuzz(operation.as_strategy(generation_mode=mode), auth, failures)
        if operation.path_parameters:
            own = operation.as_strategy(path_parameters=_path_ids(a_ids, operation))
            calls += _fuzz(own, auth, failures)
            theirs = operation.as_strategy(path_parameters=_path_ids(b_ids, operation))
            calls += _fuzz(theirs, auth, failures, expect=404)

    assert calls > 300
    assert not failures, "\n".join(failures)
    assert _snapshot(tenant_b) == b_before
