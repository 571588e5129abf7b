"""Redis token buckets and encrypted secrets at rest."""

import uuid

import pytest
from django.db import connection

from contactcenter import pacing
from contactcenter.fields import decrypt, encrypt
from tests.factories import ChannelFactory


def test_bucket_grants_its_burst_then_asks_to_wait():
    key = f"test-{uuid.uuid4().hex}"
    grants = [pacing.acquire(key, rate_per_s=1, capacity=3) for _ in range(4)]
    assert grants[:3] == [0.0, 0.0, 0.0]
    assert 0 < grants[3] <= 1.0


def test_buckets_are_independent_per_key():
    a, b = f"a-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"
    assert pacing.acquire(a, rate_per_s=0.1, capacity=1) == 0.0
    assert pacing.acquire(a, rate_per_s=0.1, capacity=1) > 0
    assert pacing.acquire(b, rate_per_s=0.1, capacity=1) == 0.0


def test_encryption_round_trips_and_hides_the_value():
    token = encrypt("s3cret-token")
    assert "s3cret" not in token
    assert decrypt(token) == "s3cret-token"


@pytest.mark.django_db
def test_channel_secrets_are_ciphertext_in_the_database():
    channel = ChannelFactory(app_secret="plain-app-secret", access_token="plain-access-token")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT app_secret, access_token FROM inbox_channel WHERE id = %s", [channel.pk]
        )
        stored = cursor.fetchone()
    assert "plain" not in stored[0] and "plain" not in stored[1]
    channel.refresh_from_db()
    assert channel.app_secret == "plain-app-secret"
