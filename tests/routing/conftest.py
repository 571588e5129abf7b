"""Shared set-up of the routing tests: a tenant, a WhatsApp channel, queues and agents."""

from datetime import UTC, datetime

import pytest

from inbox.models import ConversationEvent
from routing.services import routing as routing_services
from tests.factories import (
    AgentProfileFactory,
    AgentSkillFactory,
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
)

# A Wednesday, 15:00 UTC.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def channel(tenant_a):
    return ChannelFactory(tenant=tenant_a)


def agent(tenant, *, skills=None, **fields):
    """An available agent; `skills` is {skill: proficiency}."""
    profile = AgentProfileFactory(tenant=tenant, **fields)
    for skill, proficiency in (skills or {}).items():
        AgentSkillFactory(agent=profile, skill=skill, proficiency=proficiency)
    return profile


def waiting(tenant, queue, *, channel=None, language="", at=NOW, priority=None, contact=None):
    """A conversation put in `queue` through the enqueue service at time `at`."""
    conversation = ConversationFactory(
        tenant=tenant,
        channel=channel or ChannelFactory(tenant=tenant),
        contact=contact or ContactFactory(tenant=tenant, language=language),
    )
    routing_services.enqueue(
        tenant, conversation=conversation, queue=queue, priority=priority, now=at
    )
    return conversation


def event_types(conversation) -> list[str]:
    return list(
        ConversationEvent.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("type", flat=True)
    )
