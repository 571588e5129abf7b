"""Meta's duplicates and the send/status race, on real threads with their own connections."""

import threading
import time

import pytest
from django.db import connection, transaction

from inbox.channels.whatsapp.signature import sign
from inbox.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    DeadLetter,
    DeliveryState,
    EarlyStatus,
    EventType,
    Media,
    Message,
    MessageStatus,
    WebhookDelivery,
)
from inbox.services import ingest
from inbox.services.sending import _mark_accepted
from inbox.services.webhooks import accept_delivery
from tests.factories import ChannelFactory, ConversationFactory, TenantFactory

from .fixtures import (
    PHONE_NUMBER_ID,
    isolated_broker,  # noqa: F401 - a fixture
    load,
    value_of,
    wire,
)

SECRET = "app-secret-of-acme"
THREADS = 20

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("isolated_broker", "pool_for_every_thread"),
]


@pytest.fixture
def pool_for_every_thread():
    """Django's pool holds 10 connections; here every thread gets one of its own at once."""
    pool = connection.settings_dict["OPTIONS"]["pool"]
    previous = dict(pool)
    connection.close_pool()
    pool.update(max_size=THREADS + 5, min_size=1)
    yield
    connection.close_pool()
    pool.clear()
    pool.update(previous)


def run_in_threads(count: int, work) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_twenty_parallel_duplicate_deliveries_store_one_message():
    tenant = TenantFactory()
    ChannelFactory(tenant=tenant, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)
    raw = wire(load("image"))
    stored, go = threading.Barrier(THREADS, timeout=30), threading.Barrier(THREADS, timeout=30)
    processed: list[bool] = []

    def work(index: int) -> None:
        assert accept_delivery(raw, sign(raw, SECRET)).status == 200
        stored.wait()
        mine = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))[index]
        go.wait()
        processed.append(ingest.process_delivery(mine))

    errors = run_in_threads(THREADS, work)

    assert errors == []
    assert processed == [True] * THREADS
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.PROCESSED}
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Contact.objects.count() == 1
    assert ContactIdentity.objects.count() == 1
    assert Media.objects.count() == 1
    assert ConversationEvent.objects.filter(type=EventType.MESSAGE_RECEIVED).count() == 1
    assert ConversationEvent.objects.filter(type=EventType.CONVERSATION_OPENED).count() == 1
    assert Conversation.objects.get().unread_count == 1
    assert not DeadLetter.objects.exists()


def test_parallel_first_messages_of_one_new_customer_share_one_contact_and_conversation():
    tenant = TenantFactory()
    ChannelFactory(tenant=tenant, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)
    payloads = []
    for i in range(THREADS):
        payload = load("text")
        message = value_of(payload)["messages"][0]
        message["id"] = f"wamid.burst-{i}"
        message["timestamp"] = str(1750000001 + i)
        payloads.append(wire(payload))
    go = threading.Barrier(THREADS, timeout=30)

    def work(index: int) -> None:
        assert accept_delivery(payloads[index], sign(payloads[index], SECRET)).status == 200
        delivery = WebhookDelivery.objects.get(body=payloads[index])
        go.wait()
        assert ingest.process_delivery(delivery.pk) is True

    errors = run_in_threads(THREADS, work)

    assert errors == []
    assert Message.objects.count() == THREADS
    assert Contact.objects.count() == 1
    conversation = Conversation.objects.get()
    assert conversation.unread_count == THREADS
    assert conversation.last_message_preview == "Hi, my order #4411 has not arrived yet"
    assert not DeadLetter.objects.exists()


def test_a_status_racing_the_send_that_stores_its_wamid_is_not_lost():
    """The send has stored the wamid but not committed when the status is processed."""
    tenant = TenantFactory()
    channel = ChannelFactory(tenant=tenant, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)
    conversation = ConversationFactory(tenant=tenant, channel=channel)
    message = Message.objects.create(
        tenant=tenant,
        conversation=conversation,
        channel=channel,
        direction="out",
        kind="text",
        text="Your order shipped",
        status=MessageStatus.SENDING,
    )
    wamid = "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI5QTNDMEQ4RkY3QTJCRTkx11AA="
    raw = wire(load("status_delivered"))
    assert accept_delivery(raw, sign(raw, SECRET)).status == 200
    delivery = WebhookDelivery.objects.get()
    accepted_uncommitted, status_started = threading.Event(), threading.Event()

    def work(index: int) -> None:
        if index == 0:  # the send worker
            with transaction.atomic():
                _mark_accepted(message, wamid)
                accepted_uncommitted.set()
                status_started.wait(10)
                time.sleep(0.5)  # let the status worker reach its lookup before we commit
        else:  # the webhook worker
            accepted_uncommitted.wait(10)
            status_started.set()
            assert ingest.process_delivery(delivery.pk) is True

    errors = run_in_threads(2, work)

    assert errors == []
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert not EarlyStatus.objects.exists()
