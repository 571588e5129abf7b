"""Every /api/v1 endpoint is throttled per token and per client IP, answering 429 in the error
envelope with Retry-After and RateLimit-* headers; counters live in the Redis cache."""

import pytest
from django.urls import reverse

from contactcenter.accounts.permissions import Scope

from .conftest import token_client


@pytest.fixture
def rates(settings):
    def set_rates(token: str, ip: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"token": token, "ip": ip},
        }

    return set_rates


def test_a_token_over_its_rate_gets_429_with_retry_after(crm, rates):
    rates(token="3/min", ip="100/min")

    answers = [crm.get(reverse("api-me")) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    body = refused.json()
    assert body["code"] == "throttled" and body["message"]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert body["extra"]["retry_after_s"] == int(refused["Retry-After"])
    assert refused["RateLimit-Limit"] == "3" and refused["RateLimit-Remaining"] == "0"
    assert 0 < int(refused["RateLimit-Reset"]) <= 60


def test_every_answer_says_what_is_left(crm, rates):
    rates(token="5/min", ip="100/min")

    first, second = crm.get(reverse("api-conversations")), crm.get(reverse("api-channels"))

    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("5", "4")
    assert second["RateLimit-Remaining"] == "3"


def test_tokens_are_counted_apart(alice, tenant_a, rates):
    rates(token="2/min", ip="100/min")
    one = token_client(alice, tenant_a, [Scope.INBOX_READ])
    other = token_client(alice, tenant_a, [Scope.INBOX_READ])

    for _ in range(2):
        assert one.get(reverse("api-me")).status_code == 200

    assert one.get(reverse("api-me")).status_code == 429
    assert other.get(reverse("api-me")).status_code == 200


def test_many_tokens_from_one_address_share_the_ip_rate(alice, tenant_a, rates):
    rates(token="100/min", ip="3/min")
    clients = [token_client(alice, tenant_a, [Scope.INBOX_READ]) for _ in range(4)]

    codes = [c.get(reverse("api-me")).status_code for c in clients]

    assert codes == [200, 200, 200, 429]


def test_a_forged_forwarded_for_does_not_buy_a_fresh_ip_count(alice, tenant_a, rates):
    rates(token="100/min", ip="2/min")
    clients = [
        token_client(alice, tenant_a, [Scope.INBOX_READ], HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(3)
    ]

    codes = [c.get(reverse("api-me")).status_code for c in clients]

    assert codes == [200, 200, 429]


def test_writes_are_throttled_too_and_nothing_is_written(crm, rates, tenant_a):
    from routing.models import Skill

    rates(token="1/min", ip="100/min")
    url = reverse("api-routing-skill-list")

    crm.post(url, {"name": "Billing"}, content_type="application/json")
    refused = crm.post(url, {"name": "Returns"}, content_type="application/json")

    assert refused.status_code == 429
    assert list(Skill.objects.for_tenant(tenant_a).values_list("name", flat=True)) == ["Billing"]


def test_a_signed_in_person_is_counted_too(bob_client, rates):
    rates(token="1/min", ip="100/min")

    assert bob_client.get(reverse("api-me")).status_code == 200
    assert bob_client.get(reverse("api-me")).status_code == 429


def test_guessing_tokens_is_throttled_per_ip(db, rates):
    from django.test import Client

    rates(token="100/min", ip="3/min")
    guesses = [Client(HTTP_AUTHORIZATION=f"Bearer cc_abc_guess{n}") for n in range(4)]

    codes = [c.get(reverse("api-me")).status_code for c in guesses]

    assert codes == [401, 401, 401, 429]
