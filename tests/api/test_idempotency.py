"""`Idempotency-Key` with Stripe's semantics: per principal and endpoint, the stored answer for
the same body, 409 for another body or while the first is running, one effect under
concurrency, and keys that expire."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from contactcenter.accounts.idempotency import sweep_idempotent_requests
from contactcenter.accounts.models import IdempotentRequest
from contactcenter.accounts.permissions import Scope
from contactcenter.api import IdempotentWrites
from inbox.models import Message
from routing.models import Skill
from tests.conftest import signed_in_client
from tests.factories import ConversationFactory

from .conftest import token_client

SKILLS = reverse("api-routing-skill-list")


def post(client, url, body, key):
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def skill_names(tenant) -> list[str]:
    return sorted(Skill.objects.for_tenant(tenant).values_list("name", flat=True))


def test_the_same_key_and_body_replays_the_stored_answer(crm, tenant_a):
    first = post(crm, SKILLS, {"name": "Billing"}, "key-1")
    again = post(crm, SKILLS, {"name": "Billing"}, "key-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert skill_names(tenant_a) == ["Billing"]


def test_the_same_key_with_another_body_is_a_409(crm, tenant_a):
    post(crm, SKILLS, {"name": "Billing"}, "key-1")

    response = post(crm, SKILLS, {"name": "Returns"}, "key-1")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert skill_names(tenant_a) == ["Billing"]


def test_a_key_belongs_to_one_token_and_one_endpoint(crm, alice, tenant_a):
    other_token = token_client(alice, tenant_a, [Scope.CONFIG])
    hours = reverse("api-routing-hours-list")

    post(crm, SKILLS, {"name": "Billing"}, "shared")
    by_other_token = post(other_token, SKILLS, {"name": "Billing 2"}, "shared")
    on_other_endpoint = post(crm, hours, {"name": "Office"}, "shared")

    assert by_other_token.status_code == 201 and on_other_endpoint.status_code == 201
    assert skill_names(tenant_a) == ["Billing", "Billing 2"]


def test_a_refused_request_frees_its_key(crm, tenant_a):
    refused = post(crm, SKILLS, {"name": ""}, "key-1")
    fixed = post(crm, SKILLS, {"name": "Billing"}, "key-1")

    assert refused.status_code == 400 and fixed.status_code == 201
    assert skill_names(tenant_a) == ["Billing"]


@pytest.mark.parametrize("key", ["k" * 256, "", "with space", "ключ"])
def test_a_malformed_key_is_a_400_and_sends_nothing(bob_client, open_conversation, key):
    response = post(
        bob_client,
        reverse("api-conversation-messages", args=[open_conversation.pk]),
        {"text": "Hi"},
        key,
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["extra"]["fields"]
    assert not Message.objects.filter(conversation=open_conversation).exists()


def test_keys_older_than_a_day_are_swept(crm, tenant_a):
    post(crm, SKILLS, {"name": "Billing"}, "old")

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        post(crm, SKILLS, {"name": "Returns"}, "new")
        swept = sweep_idempotent_requests()

    assert swept == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


def test_an_expired_key_runs_the_request_again(crm, tenant_a):
    first = post(crm, SKILLS, {"name": "Billing"}, "key-1")
    Skill.objects.filter(pk=first.json()["id"]).delete()

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        again = post(crm, SKILLS, {"name": "Billing"}, "key-1")

    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert skill_names(tenant_a) == ["Billing"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_with_one_key_queue_one_message(tenant_a, bob):
    conversation = ConversationFactory(
        tenant=tenant_a,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=2),
    )
    url = reverse("api-conversation-messages", args=[conversation.pk])
    clients = [signed_in_client(bob) for _ in range(6)]
    start, answers = threading.Barrier(len(clients)), []

    def send(client):
        try:
            start.wait()
            answers.append(post(client, url, {"text": "Your order shipped"}, "order-42"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {202, 409} and 202 in codes, codes
    assert {a.json()["id"] for a in answers if a.status_code == 202} == {
        Message.objects.get(conversation=conversation).pk
    }
    assert all(
        a.json()["code"] == "idempotency_in_progress" for a in answers if a.status_code == 409
    )


def _api_views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield pattern.callback


def test_every_api_view_that_writes_honours_idempotency_keys():
    writes = {"post", "put", "patch", "delete"}
    missing = []
    for view in _api_views(get_resolver("contactcenter.api_urls").url_patterns):
        actions = getattr(view, "actions", None)
        methods = set(actions) if actions else {m for m in writes if hasattr(view.cls, m)}
        if methods & writes and not issubclass(view.cls, IdempotentWrites):
            missing.append(view.cls.__name__)

    assert not missing
