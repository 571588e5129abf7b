"""Overflow to a fallback queue, relaxed proficiency, and the maximum wait."""

from datetime import timedelta

from routing.models import QueueEntry
from routing.services.engine import assign_waiting
from routing.services.lifecycle import apply_queue_deadlines
from tests.factories import QueueFactory, QueueSkillFactory, SkillFactory

from .conftest import NOW, agent, event_types, waiting


def test_overflow_to_fallback_queue_after_n_seconds(tenant_a, channel):
    skill = SkillFactory(tenant=tenant_a)
    fallback = QueueFactory(tenant=tenant_a, name="Everyone")
    experts = QueueFactory(tenant=tenant_a, overflow_after_s=60, overflow_queue=fallback)
    QueueSkillFactory(queue=experts, skill=skill, min_proficiency=8)
    generalist = agent(tenant_a)
    conversation = waiting(tenant_a, experts, channel=channel)
    assert assign_waiting(tenant_a, now=NOW).assigned == 0

    assert apply_queue_deadlines(now=NOW + timedelta(seconds=59)) == set()
    assert apply_queue_deadlines(now=NOW + timedelta(seconds=60)) == {tenant_a.pk}
    assert QueueEntry.objects.get(conversation=conversation).queue_id == fallback.pk
    assign_waiting(tenant_a, now=NOW + timedelta(seconds=61))

    conversation.refresh_from_db()
    assert conversation.assignee_id == generalist.user_id
    assert event_types(conversation) == ["queued", "transferred", "queued", "assigned"]
    # Idempotent: nothing left to apply.
    assert apply_queue_deadlines(now=NOW + timedelta(seconds=600)) == set()


def test_relaxed_proficiency_then_overflow(tenant_a, channel):
    skill = SkillFactory(tenant=tenant_a)
    fallback = QueueFactory(tenant=tenant_a)
    queue = QueueFactory(
        tenant=tenant_a, overflow_after_s=30, relaxed_min_proficiency=5, overflow_queue=fallback
    )
    QueueSkillFactory(queue=queue, skill=skill, min_proficiency=9)
    junior = agent(tenant_a, skills={skill: 5})
    conversation = waiting(tenant_a, queue, channel=channel)
    assign_waiting(tenant_a, now=NOW)
    conversation.refresh_from_db()
    assert conversation.assignee_id is None

    apply_queue_deadlines(now=NOW + timedelta(seconds=30))
    entry = QueueEntry.objects.get(conversation=conversation)
    assert (entry.queue_id, entry.min_proficiency_override) == (queue.pk, 5)
    assert entry.overflow_at == NOW + timedelta(seconds=60)
    assign_waiting(tenant_a, now=NOW + timedelta(seconds=31))

    conversation.refresh_from_db()
    assert conversation.assignee_id == junior.user_id


def test_max_wait_close_resolves_the_conversation(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, max_wait_s=300, max_wait_action="close")
    conversation = waiting(tenant_a, queue, channel=channel)

    apply_queue_deadlines(now=NOW + timedelta(seconds=300))

    conversation.refresh_from_db()
    assert conversation.state == "resolved"
    assert event_types(conversation) == ["queued", "sla_breached", "resolved"]
    assert QueueEntry.objects.get(conversation=conversation).state == "abandoned"


def test_max_wait_keep_records_breach_once_and_keeps_waiting(tenant_a, channel):
    queue = QueueFactory(tenant=tenant_a, max_wait_s=300, max_wait_action="keep")
    conversation = waiting(tenant_a, queue, channel=channel)

    apply_queue_deadlines(now=NOW + timedelta(seconds=301))
    apply_queue_deadlines(now=NOW + timedelta(seconds=400))

    conversation.refresh_from_db()
    assert conversation.state == "queued"
    assert event_types(conversation) == ["queued", "sla_breached"]
    assert conversation.events.get(type="sla_breached").data["wait_s"] == 301
