"""The sender task: retries what can succeed later (scheduled in the row), never sends twice,
never resends a request WhatsApp may have taken, fails with a reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter import pacing, relay
from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal
from inbox.channels.whatsapp import outbound
from inbox.channels.whatsapp.signature import sign
from inbox.models import ContactIdentity, Message, MessageStatus, WebhookDelivery
from inbox.services import ingest, sending
from inbox.services.webhooks import accept_delivery
from tests.factories import ChannelFactory, ConversationFactory
from tests.fake_graph import fake_graph  # noqa: F401 - fixture

from .fixtures import load, value_of, wire


def queue_reply(tenant, bob) -> Message:
    channel = ChannelFactory(tenant=tenant)
    conversation = ConversationFactory(
        tenant=tenant,
        channel=channel,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(minutes=1),
    )
    ContactIdentity.objects.create(
        tenant=tenant, contact=conversation.contact, kind="whatsapp", wa_id="5511999990000"
    )
    principal = Principal.for_membership(Membership.objects.get(user=bob, tenant=tenant))
    return sending.send_message(
        tenant,
        principal=principal,
        conversation=conversation,
        content=outbound.text_content("Hello"),
    )


@pytest.fixture
def queued(tenant_a, bob):
    # The tests' Graph API (tests/conftest.py) refuses connections, as when Meta is unreachable.
    return queue_reply(tenant_a, bob)


@pytest.fixture
def to_fake(tenant_a, bob, fake_graph):  # noqa: F811
    return queue_reply(tenant_a, bob)


def sends_of(fake_graph, message: Message) -> int:  # noqa: F811
    return fake_graph.sends_by_tag()[f"{ingest.CALLBACK_TAG_PREFIX}{message.pk}"]


def test_a_refused_connection_puts_the_message_back_in_the_queue_with_a_retry_time(queued):
    before = timezone.now()

    sending.deliver(queued.pk)

    queued.refresh_from_db()
    assert queued.status == MessageStatus.QUEUED and queued.send_attempts == 1
    # Scheduled in the row for the relay (2 s backoff), not as a Celery countdown.
    assert (
        before + timedelta(seconds=2)
        <= queued.next_attempt_at
        <= timezone.now() + timedelta(seconds=3)
    )


def test_a_retry_whose_time_came_is_woken_by_the_relay(queued):
    sending.deliver(queued.pk)
    queued.refresh_from_db()
    due = queued.next_attempt_at

    assert relay.sweep(now=due - timedelta(seconds=1))["sends"] == 0
    assert relay.sweep(now=due)["sends"] == 1


def test_after_the_last_attempt_the_message_fails_with_a_reason(queued):
    Message.objects.filter(pk=queued.pk).update(send_attempts=sending.MAX_SEND_ATTEMPTS - 1)

    sending.deliver(queued.pk)

    queued.refresh_from_db()
    assert queued.status == MessageStatus.FAILED and queued.error_message


def test_a_message_already_claimed_is_not_sent_again(to_fake, fake_graph):  # noqa: F811
    Message.objects.filter(pk=to_fake.pk).update(status=MessageStatus.SENDING)

    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.send_attempts == 0 and sends_of(fake_graph, to_fake) == 0


def test_a_duplicate_wake_up_sends_once(to_fake, fake_graph):  # noqa: F811
    sending.deliver(to_fake.pk)
    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.ACCEPTED and sends_of(fake_graph, to_fake) == 1


def test_a_stale_wake_up_does_not_jump_the_retry_time(to_fake, fake_graph):  # noqa: F811
    later = relay.due_by(timezone.now()) + timedelta(minutes=1)
    Message.objects.filter(pk=to_fake.pk).update(next_attempt_at=later)

    sending.deliver(to_fake.pk)

    assert sends_of(fake_graph, to_fake) == 0


def test_a_connection_dropped_after_the_request_ends_outcome_unknown_and_is_never_resent(
    to_fake,
    fake_graph,  # noqa: F811
):
    fake_graph.mode = "drop"

    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.UNKNOWN and "may or may not" in to_fake.error_message
    fake_graph.mode = "accept"
    sending.deliver(to_fake.pk)
    relay.sweep(now=timezone.now() + timedelta(days=1))
    sending.deliver(to_fake.pk)
    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.UNKNOWN and sends_of(fake_graph, to_fake) == 1


def test_a_gateway_error_without_a_graph_answer_ends_outcome_unknown(to_fake, fake_graph):  # noqa: F811
    fake_graph.mode, fake_graph.error = "error", (504, {"message": "upstream timed out"})

    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.UNKNOWN and sends_of(fake_graph, to_fake) == 1


def test_a_graph_error_answer_that_can_succeed_later_is_retried(to_fake, fake_graph):  # noqa: F811
    fake_graph.mode = "error"
    fake_graph.error = (500, {"error": {"code": 131000, "message": "Something went wrong"}})

    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.QUEUED and to_fake.next_attempt_at > timezone.now()


def test_a_graph_refusal_fails_with_its_reason(to_fake, fake_graph):  # noqa: F811
    fake_graph.mode = "error"  # 400, code 100

    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.FAILED and to_fake.error_code == 100


def test_a_sender_that_died_mid_send_ends_outcome_unknown_not_resent(to_fake, fake_graph):  # noqa: F811
    now = timezone.now()
    Message.objects.filter(pk=to_fake.pk).update(
        status=MessageStatus.SENDING, status_at=now, next_attempt_at=now
    )

    assert relay.sweep(now=now)["sends"] == 1

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.UNKNOWN and "may or may not" in to_fake.error_message
    sending.deliver(to_fake.pk)
    assert sends_of(fake_graph, to_fake) == 0


def status_webhook(channel, *, wamid: str, callback_data: str, status: str) -> None:
    payload = load("status_delivered_callback_data")
    value = value_of(payload)
    value["metadata"]["phone_number_id"] = channel.phone_number_id
    item = value["statuses"][0]
    item.update(id=wamid, status=status, biz_opaque_callback_data=callback_data)
    raw = wire(payload)
    assert accept_delivery(raw, sign(raw, channel.app_secret)).status == 200
    assert ingest.process_delivery(WebhookDelivery.objects.order_by("-pk").first().pk)


def test_the_status_webhook_of_a_send_whose_answer_was_lost_settles_it(to_fake, fake_graph):  # noqa: F811
    fake_graph.mode = "drop"
    sending.deliver(to_fake.pk)
    # WhatsApp had taken it: its statuses carry the wamid we never got, and our tag.
    tag = fake_graph.last_send()["biz_opaque_callback_data"]

    status_webhook(
        to_fake.channel, wamid="wamid.lost-answer", callback_data=tag, status="delivered"
    )

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.DELIVERED and to_fake.wamid == "wamid.lost-answer"
    assert to_fake.error_message == ""


def test_a_tag_naming_a_message_of_another_channel_adopts_nothing(to_fake, fake_graph, tenant_b):  # noqa: F811
    fake_graph.mode = "drop"
    sending.deliver(to_fake.pk)
    other = ChannelFactory(tenant=tenant_b)

    status_webhook(
        other, wamid="wamid.forged", callback_data=f"cc:m{to_fake.pk}", status="delivered"
    )

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.UNKNOWN and to_fake.wamid is None


def test_a_long_pacing_wait_is_scheduled_in_the_row(to_fake, fake_graph):  # noqa: F811
    # The customer just got a burst of messages: the next is due in 6 s (reference §7.5).
    channel, contact = to_fake.channel, to_fake.conversation.contact_id
    pair = f"t{channel.tenant_id}:n{channel.phone_number_id}:c{contact}"
    for _ in range(sending.PAIR_BURST):
        pacing.acquire(pair, rate_per_s=sending.PAIR_RATE_PER_S, capacity=sending.PAIR_BURST)

    sending.deliver(to_fake.pk)

    to_fake.refresh_from_db()
    assert to_fake.status == MessageStatus.QUEUED and to_fake.send_attempts == 0
    assert to_fake.next_attempt_at > timezone.now() + timedelta(seconds=5)
    assert sends_of(fake_graph, to_fake) == 0
