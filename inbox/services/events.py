"""The event log: every change to a conversation writes one row here, in the same transaction,
and is pushed to the browsers allowed to see it after commit."""

from datetime import datetime

from django.utils import timezone

from contactcenter.realtime.groups import (
    agent_group,
    conversation_group,
    queue_group,
    supervisor_group,
)
from contactcenter.realtime.publish import publish_on_commit
from inbox.models import Conversation, ConversationEvent, ConversationState


def wire_payload(event: ConversationEvent, conversation: Conversation) -> dict:
    """The wire shape of a pushed event (its id is the client's catch-up cursor)."""
    return {
        "id": event.pk,
        "seq": event.seq,
        "type": event.type,
        "conversation": conversation.pk,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "state": conversation.state,
        "assignee": conversation.assignee_id,
        "data": event.data,
    }


def audience(conversation: Conversation) -> list[str]:
    """Supervisors, sockets watching the conversation, its agent, and everyone while it waits."""
    groups = [
        supervisor_group(conversation.tenant_id),
        conversation_group(conversation.tenant_id, conversation.pk),
    ]
    if conversation.assignee_id:
        groups.append(agent_group(conversation.tenant_id, conversation.assignee_id))
    if conversation.state in (ConversationState.QUEUED, ConversationState.BOT):
        groups.append(queue_group(conversation.tenant_id))
    return groups


def record_event(
    conversation: Conversation,
    type: str,
    *,
    actor=None,
    data: dict | None = None,
    at: datetime | None = None,
) -> ConversationEvent:
    """Composed by services inside their transaction."""
    event = ConversationEvent.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        type=type,
        actor=actor,
        data=data or {},
        at=at or timezone.now(),
    )
    publish_on_commit(
        audience(conversation), wire_payload(event, conversation), log_event_id=event.pk
    )
    return event
