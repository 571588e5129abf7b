"""Each tenant's events are numbered 1, 2, 3… with no gap, in the order their transactions
commit, even with many writers at once (the realtime cursor depends on it)."""

import threading

import pytest
from django.db import connection, transaction

from inbox.models import ConversationEvent, EventType
from inbox.services.events import record_event
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sequence_is_gapless_per_tenant_and_follows_commit_order(tenant_a, tenant_b, settings):
    settings.DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 2, "max_size": 20}
    a, b = ConversationFactory(tenant=tenant_a), ConversationFactory(tenant=tenant_b)
    commit_order: list[int] = []
    lock = threading.Lock()

    def writer(conversation, n):
        try:
            for _ in range(n):
                with transaction.atomic():
                    event = record_event(conversation, EventType.MESSAGE_RECEIVED)
                    record_event(conversation, EventType.STATUS_CHANGED)
                with lock:
                    commit_order.append(event.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(c, 10)) for c in (a, b, a, b, a, a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    for tenant, count in ((tenant_a, 80), (tenant_b, 40)):
        seqs = list(
            ConversationEvent.objects.for_tenant(tenant)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        assert seqs == list(range(1, count + 1)), tenant.slug
    # Within one transaction the two events are consecutive (one commit, one block of numbers).
    for event in ConversationEvent.objects.filter(type=EventType.MESSAGE_RECEIVED):
        follower = ConversationEvent.objects.get(tenant=event.tenant, seq=event.seq + 1)
        assert follower.type == EventType.STATUS_CHANGED


def test_an_uncommitted_event_has_no_sequence_number_yet(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a)

    with transaction.atomic():
        event = record_event(conversation, EventType.MESSAGE_RECEIVED)
        assert ConversationEvent.objects.get(pk=event.pk).seq is None

    event.refresh_from_db()
    assert event.seq == 1
