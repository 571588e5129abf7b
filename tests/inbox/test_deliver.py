"""The sender task: retries what can succeed later, never sends twice, fails with a reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal
from inbox.channels.whatsapp import outbound
from inbox.models import ContactIdentity, MessageStatus
from inbox.services import sending
from tests.factories import ChannelFactory, ConversationFactory


@pytest.fixture
def queued(tenant_a, bob):
    # The tests' Graph API (tests/conftest.py) refuses connections, as when Meta is unreachable.
    channel = ChannelFactory(tenant=tenant_a)
    conversation = ConversationFactory(
        tenant=tenant_a,
        channel=channel,
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(minutes=1),
    )
    ContactIdentity.objects.create(
        tenant=tenant_a, contact=conversation.contact, kind="whatsapp", wa_id="5511999990000"
    )
    principal = Principal.for_membership(Membership.objects.get(user=bob, tenant=tenant_a))
    return sending.send_message(
        tenant_a,
        principal=principal,
        conversation=conversation,
        content=outbound.text_content("Hello"),
    )


def test_a_network_error_puts_the_message_back_in_the_queue_with_backoff(queued):
    outcome = sending.deliver(queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_after_s and outcome.retry_after_s > 0
    assert queued.status == MessageStatus.QUEUED and queued.send_attempts == 1


def test_after_the_last_attempt_the_message_fails_with_a_reason(queued):
    type(queued).objects.filter(pk=queued.pk).update(send_attempts=sending.MAX_SEND_ATTEMPTS - 1)

    outcome = sending.deliver(queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_after_s is None
    assert queued.status == MessageStatus.FAILED and queued.error_message


def test_a_message_already_claimed_is_not_sent_again(queued):
    type(queued).objects.filter(pk=queued.pk).update(status=MessageStatus.SENDING)

    outcome = sending.deliver(queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_after_s is None and queued.send_attempts == 0


def test_a_sender_that_died_mid_send_is_failed_not_resent(queued):
    long_ago = timezone.now() - timedelta(minutes=10)
    type(queued).objects.filter(pk=queued.pk).update(
        status=MessageStatus.SENDING, status_at=long_ago
    )

    assert sending.fail_stuck_sends() == 1
    queued.refresh_from_db()
    assert queued.status == MessageStatus.FAILED and "may or may not" in queued.error_message
