"""Each tenant's events are numbered 1, 2, 3… with no gap, in the order their transactions
commit, even with many writers at once (the realtime cursor depends on it)."""

import asyncio
import threading
from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from contactcenter.realtime.groups import supervisor_group
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


def test_a_reader_never_sees_a_later_seq_before_an_earlier_one(tenant_a, settings):
    """Commit order == seq order: at any instant the committed seqs are exactly 1..max, so a
    cursor taken from what is visible never skips an event that commits later."""
    settings.DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 2, "max_size": 20}
    conversations = [ConversationFactory(tenant=tenant_a) for _ in range(4)]
    writing = threading.Event()
    holes: list[list[int]] = []

    def writer(conversation):
        try:
            for _ in range(15):
                with transaction.atomic():
                    # Lock the conversation first, as services do; the counter is taken last.
                    type(conversation).objects.select_for_update().get(pk=conversation.pk)
                    record_event(conversation, EventType.MESSAGE_RECEIVED)
        finally:
            connection.close()

    def reader():
        try:
            while writing.is_set():
                seqs = list(
                    ConversationEvent.objects.for_tenant(tenant_a)
                    .order_by("seq")
                    .values_list("seq", flat=True)
                )
                committed = [s for s in seqs if s is not None]
                if committed != list(range(1, len(committed) + 1)):
                    holes.append(committed)
        finally:
            connection.close()

    writing.set()
    watcher = threading.Thread(target=reader)
    watcher.start()
    threads = [threading.Thread(target=writer, args=(c,)) for c in conversations * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writing.clear()
    watcher.join()

    assert holes == []
    assert ConversationEvent.objects.for_tenant(tenant_a).count() == 120


def test_an_uncommitted_event_has_no_sequence_number_yet(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a)

    with transaction.atomic():
        event = record_event(conversation, EventType.MESSAGE_RECEIVED)
        assert ConversationEvent.objects.get(pk=event.pk).seq is None

    event.refresh_from_db()
    assert event.seq == 1


def test_pushes_of_one_transaction_read_their_seqs_in_one_query(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a)
    with transaction.atomic():
        events = [record_event(conversation, EventType.MESSAGE_RECEIVED) for _ in range(5)]
        after_commit = CaptureQueriesContext(connection)
        after_commit.__enter__()
    after_commit.__exit__(None, None, None)

    reads = [
        q["sql"] for q in after_commit.captured_queries if "inbox_conversationevent" in q["sql"]
    ]
    assert len(reads) == 1
    seqs = list(
        ConversationEvent.objects.filter(pk__in=[e.pk for e in events])
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == [1, 2, 3, 4, 5]


def _received_by_supervisors(tenant) -> Callable[[], list[tuple[int, int]]]:
    """Listens where pushes leave (the channel layer's group_send) and returns what drains the
    (event id, seq) pairs that arrived."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(supervisor_group(tenant.pk), channel)

    async def everything_received() -> list[dict]:
        # One event loop for every receive: channels_redis keeps its receive state per loop.
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
            except TimeoutError:
                return messages

    return lambda: [
        (event["id"], event["seq"])
        for m in async_to_sync(everything_received)()
        for event in m["events"]
    ]


def test_the_events_of_one_transaction_are_each_pushed_once_in_commit_order(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a)
    received = _received_by_supervisors(tenant_a)

    with transaction.atomic():
        events = [record_event(conversation, EventType.MESSAGE_RECEIVED) for _ in range(4)]

    assert received() == [(event.pk, n) for n, event in enumerate(events, start=1)]


def test_a_rolled_back_savepoint_pushes_nothing_of_its_own(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a)
    received = _received_by_supervisors(tenant_a)

    with transaction.atomic():
        kept = record_event(conversation, EventType.MESSAGE_RECEIVED)
        try:
            with transaction.atomic():
                record_event(conversation, EventType.STATUS_CHANGED)
                raise RuntimeError("undo the inner part")
        except RuntimeError:
            pass

    assert received() == [(kept.pk, 1)]
