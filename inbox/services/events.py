"""The event log: every change to a conversation writes one row here, in the same transaction,
and is pushed to the browsers allowed to see it after commit."""

from datetime import datetime
from functools import partial

from django.db import transaction
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
    """The wire shape of a pushed event. `seq` (per tenant, gapless, in commit order) is the
    client's catch-up cursor; a live push gets it after commit (publish_on_commit)."""
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


def listeners(conversation: Conversation) -> tuple[list[int], bool]:
    """Who hears an event of this conversation besides supervisors and the sockets watching
    it: its agent (ids), and whether every member's Queue tab does (while it waits in a queue
    or with the bot). The state it was loaded in counts too, so the agent it leaves and the
    Queue tabs it leaves hear that it left."""
    states = [(conversation.state, conversation.assignee_id)]
    loaded = getattr(conversation, "loaded_audience", None)
    if loaded is not None:
        states.append(loaded)
    agents = list(dict.fromkeys(assignee_id for _, assignee_id in states if assignee_id))
    queue = any(state in (ConversationState.QUEUED, ConversationState.BOT) for state, _ in states)
    return agents, queue


def audience(conversation: Conversation, agents: list[int], queue: bool) -> list[str]:
    """The groups an event goes to: the tenant's supervisors, sockets watching the
    conversation, then its listeners'."""
    tenant_id = conversation.tenant_id
    groups = [supervisor_group(tenant_id), conversation_group(tenant_id, conversation.pk)]
    groups += [agent_group(tenant_id, agent) for agent in agents]
    return groups + [queue_group(tenant_id)] if queue else groups


def private_audience(conversation: Conversation, user_id: int) -> list[str]:
    """A private event (a whisper) reaches its one addressee and the supervisors: not the
    sockets watching the conversation, nor the Queue tabs."""
    tenant_id = conversation.tenant_id
    return [supervisor_group(tenant_id), agent_group(tenant_id, user_id)]


def record_event(
    conversation: Conversation,
    type: str,
    *,
    actor=None,
    data: dict | None = None,
    at: datetime | None = None,
    private_to: int | None = None,
) -> ConversationEvent:
    """Composed by services inside their transaction. `private_to` (a user id) makes the event
    private: `data["private_to"]` names its one reader besides the supervisors, live and on
    catch-up (contactcenter/realtime/catchup.py)."""
    data = dict(data or {})
    if private_to is not None:
        agents, queue = [private_to], False
        data["private_to"] = private_to
        groups = private_audience(conversation, private_to)
    else:
        agents, queue = listeners(conversation)
        groups = audience(conversation, agents, queue)
    event = ConversationEvent.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        type=type,
        actor=actor,
        data=data,
        at=at or timezone.now(),
        heard_by_agents=agents,
        heard_by_queue=queue,
    )
    publish_on_commit(
        groups,
        wire_payload(event, conversation),
        log_event_id=event.pk,
    )
    # Once committed, this object's state is the one the next transaction starts from.
    transaction.on_commit(partial(_mark_committed, conversation))
    return event


def committed_seqs(event_ids: list[int]) -> dict[int, int]:
    """The seq each committed event got (the publisher reads them after commit, in one query:
    registered with it in inbox/apps.py)."""
    return dict(ConversationEvent.objects.filter(pk__in=event_ids).values_list("pk", "seq"))


def _mark_committed(conversation: Conversation) -> None:
    conversation.loaded_audience = (conversation.state, conversation.assignee_id)
