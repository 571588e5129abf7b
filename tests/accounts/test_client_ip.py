"""The client IP of rate limits and the audit log: forwarded headers only from trusted proxies."""

import pytest

from contactcenter.accounts.models import AuditEvent
from contactcenter.clientip import resolve_client_ip
from tests.factories import PASSWORD


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert resolve_client_ip("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_a_trusted_proxy_gives_the_address_it_received_from(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client wrote the first hop itself; the proxy appended the real peer.
    assert resolve_client_ip("10.1.2.3", "1.1.1.1, 198.51.100.7") == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.5"]
    assert resolve_client_ip("10.1.2.3", "198.51.100.7, 192.0.2.5") == "198.51.100.7"


def test_an_untrusted_peer_cannot_forward(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert resolve_client_ip("203.0.113.9", "198.51.100.7") == "203.0.113.9"


def test_a_malformed_hop_stops_at_the_last_vouched_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert resolve_client_ip("10.1.2.3", "garbage") == "10.1.2.3"


@pytest.mark.django_db
def test_audit_log_ignores_a_spoofed_forwarded_for(client, settings, bob):
    settings.TRUSTED_PROXIES = []
    client.post(
        "/accounts/login/",
        {"email": bob.email, "password": PASSWORD + "x"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    event = AuditEvent.objects.filter(action__icontains="login").latest("pk")
    assert event.ip == "203.0.113.9"


@pytest.mark.django_db
def test_audit_log_takes_the_client_behind_a_trusted_proxy(client, settings, bob):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.post(
        "/accounts/login/",
        {"email": bob.email, "password": PASSWORD + "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    event = AuditEvent.objects.filter(action__icontains="login").latest("pk")
    assert event.ip == "198.51.100.1"


@pytest.mark.django_db
def test_login_rate_limit_counts_the_peer_not_a_spoofed_header(client, settings, bob):
    """Rotating X-Forwarded-For must not buy an attacker fresh login attempts."""
    settings.TRUSTED_PROXIES = []
    settings.LOGIN_RATE_PER_IP = "3/10m"
    codes = [
        client.post(
            "/accounts/login/",
            {"email": f"nobody{i}@x.test", "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        ).status_code
        for i in range(5)
    ]
    assert codes[-1] == 429
