"""Routing acts on the inbox's writes through the hooks it registers (inbox/hooks.py), in the
real app: the inbox never imports routing, so only the registration makes these happen."""

import pytest

from contactcenter.celery import app as celery_app
from inbox.channels.whatsapp.signature import sign
from inbox.models import ContactIdentity, Conversation, ConversationState
from inbox.services.webhooks import accept_delivery
from routing.models import EntryState, QueueEntry
from tests.factories import ChannelFactory
from tests.inbox.fixtures import CUSTOMER_WA_ID, PHONE_NUMBER_ID, load, wire
from tests.inbox.test_ingest import text_from

SECRET = "app-secret-of-acme"
NEW_NUMBER = "16505550999"  # the number system_user_changed_number moves the customer to


@pytest.fixture
def channel(tenant_a):
    return ChannelFactory(tenant=tenant_a, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)


@pytest.fixture
def webhook(django_capture_on_commit_callbacks):
    """Meta's signed POST, with every task it leads to run at once in this process, as a worker
    would after the commit (the webhook's processing, then routing)."""
    was = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True

    def post(payload: dict) -> None:
        raw = wire(payload)
        with django_capture_on_commit_callbacks(execute=True):
            assert accept_delivery(raw, sign(raw, SECRET)).status == 200

    yield post
    celery_app.conf.task_always_eager = was


def test_a_customers_first_message_is_routed_to_a_queue(channel, webhook):
    webhook(load("text"))

    conversation = Conversation.objects.get()
    entry = QueueEntry.objects.get(conversation=conversation)
    assert entry.state == EntryState.WAITING and entry.queue.is_default


def test_a_duplicate_resolved_by_a_contact_merge_leaves_its_queue(channel, webhook):
    webhook(load("text"))  # from the old number
    webhook(text_from(NEW_NUMBER, "wamid.new-number-1", 1750000006, "new phone, who dis"))
    duplicate = ContactIdentity.objects.get(wa_id=CUSTOMER_WA_ID).contact.conversations.get()
    assert QueueEntry.objects.get(conversation=duplicate).state == EntryState.WAITING

    webhook(load("system_user_changed_number"))

    duplicate.refresh_from_db()
    assert duplicate.state == ConversationState.RESOLVED
    assert QueueEntry.objects.get(conversation=duplicate).state == EntryState.ABANDONED
    kept = Conversation.objects.exclude(pk=duplicate.pk).get()
    assert QueueEntry.objects.get(conversation=kept).state == EntryState.WAITING
