"""A page carries the realtime cursor taken before its view read state (hub.js starts there)."""

import re

import pytest

from inbox.models import EventType
from inbox.services.events import record_event
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_page_carries_its_companys_last_committed_seq(bob_client, tenant_a, tenant_b):
    mine, foreign = ConversationFactory(tenant=tenant_a), ConversationFactory(tenant=tenant_b)
    for _ in range(3):
        record_event(mine, EventType.MESSAGE_RECEIVED)
    for _ in range(5):
        record_event(foreign, EventType.MESSAGE_RECEIVED)

    page = bob_client.get("/", follow=True).content.decode()

    assert re.search(r'data-hub="on" data-last-seq="3"', page)
