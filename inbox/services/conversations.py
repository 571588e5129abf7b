"""State changes of a conversation made by people: read, pending, snooze, resolve."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import Conflict, ValidationFailed
from contactcenter.realtime.publish import enqueue_on_commit
from inbox.access import check_holds
from inbox.models import (
    Conversation,
    ConversationState,
    Direction,
    EventType,
    Message,
)
from routing.services import lifecycle

from . import csat
from .events import record_event
from .notes import write_note


def _locked(tenant, conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("contact", "channel")
        .get(pk=conversation.pk)
    )


@transaction.atomic(durable=True)
def mark_conversation_read(
    tenant, *, principal: Principal, conversation: Conversation
) -> Conversation:
    """Clears the unread count and sends WhatsApp's read receipt for the last customer message."""
    principal.require(Scope.INBOX_WRITE)
    conversation = _locked(tenant, conversation)
    if conversation.unread_count == 0:
        return conversation
    conversation.unread_count = 0
    conversation.save(update_fields=["unread_count"])
    record_event(conversation, EventType.READ_BY_AGENT, actor=principal.user)
    last_inbound = (
        Message.objects.for_tenant(tenant)
        .filter(conversation=conversation, direction=Direction.INBOUND, wamid__isnull=False)
        .order_by("-sent_at", "-pk")
        .first()
    )
    if last_inbound is not None:
        from inbox.tasks import send_read_receipt

        enqueue_on_commit(send_read_receipt, last_inbound.pk)
    return conversation


def _move(
    tenant, principal: Principal, conversation: Conversation, state: str, event: str, **fields
) -> Conversation:
    conversation = _locked(tenant, conversation)
    check_holds(principal, conversation)
    if conversation.state == ConversationState.RESOLVED and state != ConversationState.RESOLVED:
        raise Conflict("This conversation is resolved; it reopens when the customer writes.")
    if conversation.state == state and state == ConversationState.RESOLVED:
        return conversation
    previous = conversation.state
    conversation.state = state
    for key, value in fields.items():
        setattr(conversation, key, value)
    conversation.save(update_fields=["state", *fields])
    if state == ConversationState.RESOLVED:
        lifecycle.on_conversation_resolved(conversation)
        csat.request_survey(conversation, agent_id=conversation.assignee_id, now=timezone.now())
    record_event(
        conversation,
        event,
        actor=principal.user,
        data={
            "from": previous,
            **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()},
        },
    )
    return conversation


@transaction.atomic(durable=True)
def resolve_conversation(
    tenant, *, principal: Principal, conversation: Conversation
) -> Conversation:
    return _move(
        tenant,
        principal,
        conversation,
        ConversationState.RESOLVED,
        EventType.RESOLVED,
        resolved_at=timezone.now(),
        snoozed_until=None,
    )


@transaction.atomic(durable=True)
def set_pending(tenant, *, principal: Principal, conversation: Conversation) -> Conversation:
    """Waiting on the customer: their next message brings it back to the agent."""
    return _move(tenant, principal, conversation, ConversationState.PENDING, EventType.PENDING)


@transaction.atomic(durable=True)
def snooze_conversation(
    tenant, *, principal: Principal, conversation: Conversation, until: datetime
) -> Conversation:
    if until <= timezone.now():
        raise ValidationFailed("Choose a time in the future to snooze until.")
    return _move(
        tenant,
        principal,
        conversation,
        ConversationState.SNOOZED,
        EventType.SNOOZED,
        snoozed_until=until,
    )


@transaction.atomic(durable=True)
def add_note(
    tenant, *, principal: Principal, conversation: Conversation, text: str, whisper: bool = False
) -> Message:
    """An internal note: visible to the team in the thread, never sent to the customer.

    A whisper is a supervisor's note to the conversation's agent: their inbox pops it up, and
    nobody else but supervisors sees it.
    """
    principal.require(Scope.INBOX_WRITE)
    text = text.strip()
    if not text:
        raise ValidationFailed("Write the note before saving it.")
    conversation = _locked(tenant, conversation)
    if whisper and not principal.can(Scope.CONVERSATIONS_ALL):
        raise ValidationFailed("Only supervisors whisper; add a note instead.")
    if whisper and not conversation.assignee_id:
        raise Conflict("Nobody holds this conversation yet: there is no agent to whisper to.")
    if whisper and conversation.assignee_id == principal.user.pk:
        # After a take-over the supervisor holds it: a whisper would reach only themselves.
        raise ValidationFailed("You hold this conversation yourself: add a note instead.")
    if not whisper:
        note = write_note(conversation, author=principal.user, text=text)
        record_event(
            conversation, EventType.NOTE_ADDED, actor=principal.user, data={"message": note.pk}
        )
        return note
    # Only the agent it is addressed to (and supervisors) reads it: in the thread, the API,
    # the push and the catch-up; an agent who gets the conversation later does not.
    note = write_note(
        conversation,
        author=principal.user,
        text=text,
        kind="whisper",
        addressee_id=conversation.assignee_id,
    )
    record_event(
        conversation,
        EventType.NOTE_ADDED,
        actor=principal.user,
        data={"message": note.pk, "whisper": True, "text": note.text[:200]},
        private_to=conversation.assignee_id,
    )
    return note
