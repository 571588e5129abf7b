"""The assignment engine: who gets which conversation, in what order, within capacity."""

from datetime import timedelta

from inbox.models import ConversationEvent
from routing.models import EntryState, QueueEntry
from routing.services.engine import assign_waiting
from tests.factories import (
    ContactFactory,
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
)

from .conftest import NOW, agent, event_types, waiting


def refreshed(obj):
    obj.refresh_from_db()
    return obj


def test_assigns_to_agent_with_every_required_skill_at_minimum_proficiency(tenant_a, channel):
    billing, spanish = SkillFactory(tenant=tenant_a), SkillFactory(tenant=tenant_a)
    queue = QueueFactory(tenant=tenant_a)
    QueueSkillFactory(queue=queue, skill=billing, min_proficiency=6)
    QueueSkillFactory(queue=queue, skill=spanish, min_proficiency=1)
    agent(tenant_a, skills={billing: 9})  # lacks spanish
    agent(tenant_a, skills={billing: 5, spanish: 9})  # billing too low
    right = agent(tenant_a, skills={billing: 6, spanish: 2})
    conversation = waiting(tenant_a, queue, channel=channel)

    result = assign_waiting(tenant_a, now=NOW)

    assert result.assigned == 1
    conversation = refreshed(conversation)
    assert (conversation.state, conversation.assignee_id) == ("assigned", right.user_id)
    assert event_types(conversation) == ["queued", "assigned"]
    entry = QueueEntry.objects.get(conversation=conversation)
    assert (entry.state, entry.agent_id) == (EntryState.ASSIGNED, right.pk)


def test_no_eligible_agent_leaves_conversation_waiting(tenant_a, channel):
    skill = SkillFactory(tenant=tenant_a)
    queue = QueueFactory(tenant=tenant_a)
    QueueSkillFactory(queue=queue, skill=skill, min_proficiency=8)
    agent(tenant_a, skills={skill: 7})
    agent(tenant_a, skills={skill: 9}, presence="away")
    conversation = waiting(tenant_a, queue, channel=channel)

    assert assign_waiting(tenant_a, now=NOW).assigned == 0
    assert refreshed(conversation).state == "queued"
    assert QueueEntry.objects.get(conversation=conversation).state == EntryState.WAITING


def test_language_queue_needs_an_agent_speaking_the_contacts_language(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, languages=["es", "pt"])
    agent(tenant_a, languages=["en"])
    speaker = agent(tenant_a, languages=["en", "pt"])
    conversation = waiting(tenant_a, queue, channel=channel, language="pt")

    assign_waiting(tenant_a, now=NOW)

    assert refreshed(conversation).assignee_id == speaker.user_id


def test_best_proficiency_wins_then_longest_idle(tenant_a, channel):
    skill = SkillFactory(tenant=tenant_a)
    queue = QueueFactory(tenant=tenant_a)
    QueueSkillFactory(queue=queue, skill=skill)
    agent(tenant_a, skills={skill: 5}, idle_since=NOW - timedelta(hours=3))
    expert_recent = agent(tenant_a, skills={skill: 9}, idle_since=NOW - timedelta(minutes=1))
    expert_idle = agent(tenant_a, skills={skill: 9}, idle_since=NOW - timedelta(minutes=30))
    first = waiting(tenant_a, queue, channel=channel, at=NOW - timedelta(seconds=20))
    second = waiting(tenant_a, queue, channel=channel, at=NOW - timedelta(seconds=10))

    assign_waiting(tenant_a, now=NOW)

    assert refreshed(first).assignee_id == expert_idle.user_id
    # The idle expert just took work: the other expert is now idle longest.
    assert refreshed(second).assignee_id == expert_recent.user_id
    assert refreshed(expert_idle).idle_since == NOW


def test_higher_priority_first_then_longest_waiting(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a)
    agent(tenant_a, channel_capacity={"whatsapp": 2})
    oldest = waiting(tenant_a, queue, channel=channel, at=NOW - timedelta(minutes=9))
    urgent = waiting(tenant_a, queue, channel=channel, at=NOW - timedelta(minutes=1), priority=5)
    middle = waiting(tenant_a, queue, channel=channel, at=NOW - timedelta(minutes=5))

    assert assign_waiting(tenant_a, now=NOW).assigned == 2

    assert refreshed(urgent).state == "assigned"
    assert refreshed(oldest).state == "assigned"
    assert refreshed(middle).state == "queued"


def test_channel_and_total_capacity_are_never_exceeded(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a)
    small = agent(tenant_a, channel_capacity={"whatsapp": 1}, max_total=5)
    capped = agent(tenant_a, channel_capacity={"whatsapp": 9}, max_total=2)
    conversations = [waiting(tenant_a, queue, channel=channel) for _ in range(5)]

    assert assign_waiting(tenant_a, now=NOW).assigned == 3
    assert assign_waiting(tenant_a, now=NOW).assigned == 0

    assignees = [refreshed(c).assignee_id for c in conversations]
    assert assignees.count(small.user_id) == 1
    assert assignees.count(capped.user_id) == 2
    assert assignees.count(None) == 2


def test_pending_and_snoozed_conversations_hold_slots_but_resolved_ones_do_not(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a)
    busy = agent(tenant_a, max_total=2, idle_since=NOW - timedelta(hours=2))
    fresh = agent(tenant_a, max_total=2, idle_since=NOW - timedelta(hours=1))
    for state in ("pending", "snoozed", "resolved"):
        ConversationFactory(tenant=tenant_a, channel=channel, state=state, assignee=busy.user)
    conversation = waiting(tenant_a, queue, channel=channel)

    assert assign_waiting(tenant_a, now=NOW).assigned == 1

    # Idle longest, but both slots are held by conversations waiting on the customer.
    assert refreshed(conversation).assignee_id == fresh.user_id


def test_returning_customer_goes_to_last_agent_within_sticky_window(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, sticky_window_s=3600)
    contact = ContactFactory(tenant=tenant_a)
    last = agent(tenant_a, idle_since=NOW - timedelta(hours=9))
    agent(tenant_a, idle_since=NOW - timedelta(hours=5))
    earlier = waiting(
        tenant_a, queue, channel=channel, contact=contact, at=NOW - timedelta(hours=2)
    )
    assign_waiting(tenant_a, now=NOW - timedelta(hours=2))
    assert refreshed(earlier).assignee_id == last.user_id
    QueueEntry.objects.filter(conversation=earlier).update(released_at=NOW - timedelta(minutes=30))
    earlier.state = "resolved"
    earlier.save()
    last.idle_since = NOW  # would now lose on longest idle
    last.save()

    returning = waiting(tenant_a, queue, contact=contact, at=NOW)
    assign_waiting(tenant_a, now=NOW)

    assert refreshed(returning).assignee_id == last.user_id


def test_sticky_window_passed_uses_longest_idle(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, sticky_window_s=600)
    contact = ContactFactory(tenant=tenant_a)
    last = agent(tenant_a, idle_since=NOW - timedelta(hours=9))
    idle = agent(tenant_a, idle_since=NOW - timedelta(hours=5))
    earlier = waiting(
        tenant_a, queue, channel=channel, contact=contact, at=NOW - timedelta(hours=2)
    )
    assign_waiting(tenant_a, now=NOW - timedelta(hours=2))
    assert refreshed(earlier).assignee_id == last.user_id
    QueueEntry.objects.filter(conversation=earlier).update(released_at=NOW - timedelta(hours=1))
    earlier.state = "resolved"
    earlier.save()
    last.idle_since = NOW - timedelta(minutes=1)
    last.save()

    returning = waiting(tenant_a, queue, contact=contact, at=NOW)
    assign_waiting(tenant_a, now=NOW)

    assert refreshed(returning).assignee_id == idle.user_id


def test_other_tenants_agents_are_never_used(tenant_a, tenant_b, channel):
    queue = QueueFactory(tenant=tenant_a)
    outsider = agent(tenant_b)
    conversation = waiting(tenant_a, queue, channel=channel)

    assert assign_waiting(tenant_a, now=NOW).assigned == 0
    assert assign_waiting(tenant_b, now=NOW).claimed == 0
    assert refreshed(conversation).assignee_id is None
    assert not ConversationEvent.objects.filter(
        conversation=conversation, data__agent=outsider.user_id
    ).exists()


def test_assigned_event_carries_agent_queue_and_wait(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a)
    chosen = agent(tenant_a)
    conversation = waiting(tenant_a, queue, channel=channel, at=NOW - timedelta(seconds=42))

    assign_waiting(tenant_a, now=NOW)

    event = ConversationEvent.objects.get(conversation=conversation, type="assigned")
    assert event.data["agent"] == chosen.user_id
    assert event.data["queue"] == queue.pk
    assert event.data["wait_s"] == 42
    assert event.at == NOW
