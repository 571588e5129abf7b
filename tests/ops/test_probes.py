"""/healthz and /readyz answer a probe that calls the container by its IP over plain HTTP, in
the production profile, while every other path keeps its HTTPS redirect and host check."""

import time

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contactcenter.probes import check_readiness

CONTAINER_IP = "10.1.2.3:8000"


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["cc.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def test_healthz_answers_a_probe_by_ip_over_plain_http(production_like):
    response = Client().get("/healthz", headers={"host": CONTAINER_IP})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_touches_no_database(production_like, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Client().get("/healthz", headers={"host": CONTAINER_IP}).status_code == 200


def test_other_paths_still_redirect_to_https_and_refuse_foreign_hosts(production_like, db):
    redirected = Client().get("/accounts/login/", headers={"host": "cc.example.com"})
    refused = Client().get(
        "/accounts/login/", headers={"host": CONTAINER_IP, "x-forwarded-proto": "https"}
    )

    assert redirected.status_code == 301
    assert redirected["Location"] == "https://cc.example.com/accounts/login/"
    assert refused.status_code == 400


def test_readyz_is_ready_with_database_redis_and_migrations(production_like, db):
    response = Client().get("/readyz", headers={"host": CONTAINER_IP})

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
    }


def test_readyz_is_unavailable_when_redis_does_not_answer(production_like, db):
    production_like.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = Client().get("/readyz", headers={"host": CONTAINER_IP})

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["redis"] == "unreachable"
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_unavailable_while_a_migration_is_unapplied(db):
    MigrationRecorder(connection).record_unapplied("sessions", "0001_initial")

    checks = check_readiness(now=time.monotonic() + 10_000)  # past any earlier cached result

    assert checks["migrations"] == "1 unapplied"


def test_applied_migrations_are_rechecked_once_a_minute_not_per_probe(db):
    first_probe = time.monotonic() + 20_000
    assert check_readiness(now=first_probe)["migrations"] == "ok"

    with CaptureQueriesContext(connection) as within_the_minute:
        assert check_readiness(now=first_probe + 30)["migrations"] == "ok"
    with CaptureQueriesContext(connection) as after_it:
        assert check_readiness(now=first_probe + 61)["migrations"] == "ok"

    assert [q["sql"] for q in within_the_minute] == ["SELECT 1"]
    assert any("django_migrations" in q["sql"] for q in after_it)
