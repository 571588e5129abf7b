"""Routing rules in order (keyword, language, channel, attribute, motive) and the default queue."""

import pytest

from routing.models import Queue, QueueEntry
from routing.services.routing import route_conversation
from tests.factories import (
    ContactFactory,
    ConversationFactory,
    InboundMessageFactory,
    QueueFactory,
    RoutingRuleFactory,
)

from .conftest import NOW, agent, event_types


@pytest.fixture
def default(tenant_a):
    return QueueFactory(tenant=tenant_a, name="Default", is_default=True, priority=1)


def conversation_saying(tenant, channel, *texts, **contact_fields):
    conversation = ConversationFactory(
        tenant=tenant, channel=channel, contact=ContactFactory(tenant=tenant, **contact_fields)
    )
    for text in texts:
        InboundMessageFactory(conversation=conversation, text=text)
    return conversation


def routed_queue(tenant, conversation, **kwargs) -> Queue:
    entry = route_conversation(tenant, conversation=conversation, now=NOW, **kwargs)
    return entry.queue


def test_keyword_rule_sets_queue_priority_and_labels(tenant_a, channel, default):
    billing = QueueFactory(tenant=tenant_a, priority=2)
    RoutingRuleFactory(
        tenant=tenant_a, queue=billing, keywords=["refund"], priority=7, labels=["money"]
    )
    conversation = conversation_saying(tenant_a, channel, "Hi, I want a REFUND for my order")

    entry = route_conversation(tenant_a, conversation=conversation, now=NOW)

    assert (entry.queue_id, entry.priority, entry.labels) == (billing.pk, 7, ["money"])
    assert event_types(conversation) == ["queued", "label_added"]
    assert conversation.events.get(type="queued").data["reason"] == "rule"
    conversation.refresh_from_db()
    assert conversation.labels == ["money"]


def test_keyword_matches_whole_words_only(tenant_a, channel, default):
    RoutingRuleFactory(tenant=tenant_a, keywords=["bill"])
    conversation = conversation_saying(tenant_a, channel, "I saw the billboard ad")
    assert routed_queue(tenant_a, conversation) == default


def test_detects_language_and_routes_by_it(tenant_a, channel, default):
    spanish = QueueFactory(tenant=tenant_a)
    RoutingRuleFactory(tenant=tenant_a, queue=spanish, languages=["es"])
    conversation = conversation_saying(
        tenant_a, channel, "Hola, buenas tardes", "Necesito ayuda con mi pedido, por favor"
    )

    assert routed_queue(tenant_a, conversation) == spanish
    conversation.contact.refresh_from_db()
    assert conversation.contact.language == "es"


def test_known_contact_language_is_kept(tenant_a, channel, default):
    conversation = conversation_saying(tenant_a, channel, "Hello there, I need help", language="pt")
    route_conversation(tenant_a, conversation=conversation, now=NOW)
    conversation.contact.refresh_from_db()
    assert conversation.contact.language == "pt"


def test_rules_are_tried_in_position_order(tenant_a, channel, default):
    vip, whatsapp = QueueFactory(tenant=tenant_a), QueueFactory(tenant=tenant_a)
    RoutingRuleFactory(tenant=tenant_a, queue=whatsapp, channel_kinds=["whatsapp"], position=2)
    RoutingRuleFactory(
        tenant=tenant_a, queue=vip, contact_attributes={"tier": ["gold", "platinum"]}, position=1
    )
    gold = conversation_saying(tenant_a, channel, "hello", attributes={"tier": "gold"})
    bronze = conversation_saying(tenant_a, channel, "hello", attributes={"tier": "bronze"})

    assert routed_queue(tenant_a, gold) == vip
    assert routed_queue(tenant_a, bronze) == whatsapp


def test_motive_and_inactive_rules(tenant_a, channel, default):
    sales = QueueFactory(tenant=tenant_a)
    RoutingRuleFactory(tenant=tenant_a, queue=sales, motives=["buy"])
    RoutingRuleFactory(tenant=tenant_a, keywords=["hello"], is_active=False)
    buying = conversation_saying(tenant_a, channel, "hello")
    other = conversation_saying(tenant_a, channel, "hello")

    assert routed_queue(tenant_a, buying, motive="buy") == sales
    assert routed_queue(tenant_a, other) == default


def test_no_rule_uses_default_queue_and_its_priority(tenant_a, channel, default):
    conversation = conversation_saying(tenant_a, channel, "hello")
    entry = route_conversation(tenant_a, conversation=conversation, now=NOW)
    assert (entry.queue_id, entry.priority) == (default.pk, 1)
    assert conversation.events.get(type="queued").data["reason"] == "default"


def test_tenant_without_default_queue_gets_one(tenant_a, channel):
    conversation = conversation_saying(tenant_a, channel, "hello")
    entry = route_conversation(tenant_a, conversation=conversation, now=NOW)
    assert entry.queue.is_default and entry.queue.tenant_id == tenant_a.pk


def test_routing_twice_keeps_one_entry(tenant_a, channel, default):
    conversation = conversation_saying(tenant_a, channel, "hello")
    first = route_conversation(tenant_a, conversation=conversation, now=NOW)
    second = route_conversation(tenant_a, conversation=conversation, now=NOW)
    assert first.pk == second.pk
    assert QueueEntry.objects.filter(conversation=conversation).count() == 1
    assert event_types(conversation) == ["queued"]


def test_assigned_or_resolved_conversations_are_not_routed(tenant_a, channel, default, bob):
    taken = conversation_saying(tenant_a, channel, "hello")
    taken.assignee, taken.state = bob, "assigned"
    taken.save()
    assert route_conversation(tenant_a, conversation=taken, now=NOW) is None
    assert not QueueEntry.objects.filter(conversation=taken).exists()


def test_other_tenants_rules_do_not_apply(tenant_a, tenant_b, channel, default):
    RoutingRuleFactory(tenant=tenant_b, keywords=["hello"])
    conversation = conversation_saying(tenant_a, channel, "hello")
    assert routed_queue(tenant_a, conversation) == default


# --- a new conversation meets a free agent at once ---------------------------------------------


def test_a_new_conversation_gets_a_free_agent_in_the_routing_transaction(
    tenant_a, channel, default
):
    free = agent(tenant_a)
    conversation = conversation_saying(tenant_a, channel, "Hello")

    entry = route_conversation(tenant_a, conversation=conversation, now=NOW)

    entry.refresh_from_db()
    conversation.refresh_from_db()
    assert (entry.state, entry.agent_id) == ("assigned", free.pk)
    assert conversation.assignee_id == free.user_id
    assert event_types(conversation) == ["queued", "assigned"]


def test_a_new_conversation_never_overtakes_one_already_waiting(tenant_a, channel, default):
    earlier = conversation_saying(tenant_a, channel, "I was here first")
    route_conversation(tenant_a, conversation=earlier, now=NOW)  # nobody free: it waits
    agent(tenant_a)
    later = conversation_saying(tenant_a, channel, "Me too")

    entry = route_conversation(tenant_a, conversation=later, now=NOW)

    entry.refresh_from_db()
    assert entry.state == "waiting"  # the engine's run serves the earlier one first
    assert QueueEntry.objects.get(conversation=earlier).state == "waiting"
