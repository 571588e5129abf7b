"""Choosing the queue of a conversation: routing rules in order, else the default queue."""

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contactcenter import metrics
from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import Conflict
from inbox.models import Conversation, ConversationState, Direction, Message
from inbox.services.labels import apply_rule_labels
from routing.models import Queue as QueueModel
from routing.models import QueueEntry, RoutingRule
from routing.services import engine
from routing.services.common import active_entry, default_queue, enqueue_entry, kick_assignment
from routing.services.language import detect_language

FIRST_TEXTS = 5  # the customer's first messages read for language and keywords


def _locked_conversation(tenant: Tenant, conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("contact", "channel")
        .get(pk=conversation.pk)
    )


def _first_texts(conversation: Conversation) -> str:
    rows = (
        Message.objects.filter(tenant_id=conversation.tenant_id)
        .filter(conversation=conversation, direction=Direction.INBOUND)
        .exclude(text="")
        .order_by("sent_at", "pk")
        .values_list("text", flat=True)[:FIRST_TEXTS]
    )
    return "\n".join(rows)


def _matches(rule: RoutingRule, conversation: Conversation, text: str, motive: str) -> bool:
    contact = conversation.contact
    if rule.channel_kinds and conversation.channel.kind not in rule.channel_kinds:
        return False
    if rule.languages and contact.language not in rule.languages:
        return False
    if rule.motives and motive not in rule.motives:
        return False
    for key, allowed in (rule.contact_attributes or {}).items():
        allowed = allowed if isinstance(allowed, list) else [allowed]
        if key not in contact.attributes or str(contact.attributes[key]) not in map(str, allowed):
            return False
    if rule.keywords:
        lowered = text.casefold()
        if not any(
            re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", lowered)
            for word in rule.keywords
        ):
            return False
    return True


def choose_queue(
    tenant: Tenant, conversation: Conversation, *, text: str, motive: str = ""
) -> tuple[QueueModel, RoutingRule | None]:
    rules = (
        RoutingRule.objects.for_tenant(tenant)
        .filter(is_active=True)
        .select_related("queue__business_hours")
        .order_by("position", "pk")
    )
    for rule in rules:
        if _matches(rule, conversation, text, motive):
            return rule.queue, rule
    return default_queue(tenant), None


@metrics.ROUTING_SECONDS.time()
@transaction.atomic(durable=True)
def route_conversation(
    tenant: Tenant, *, conversation: Conversation, motive: str = "", now: datetime | None = None
) -> QueueEntry | None:
    """Puts a waiting conversation in its queue (idempotent: one already waiting, assigned or
    resolved is left alone) and asks the engine to serve it after commit.

    Detects the contact's language from their first texts when it is not known yet.
    """
    now = now or timezone.now()
    conversation = _locked_conversation(tenant, conversation)
    if conversation.routing_due_at is not None:
        # Looked at now: the relay's reminder ends with this transaction (kept if it fails).
        conversation.routing_due_at = None
        conversation.save(update_fields=["routing_due_at"])
    if (
        conversation.state not in (ConversationState.QUEUED, ConversationState.BOT)
        or conversation.assignee_id
    ):
        return None
    existing = active_entry(conversation)
    if existing is not None:
        return existing
    text = _first_texts(conversation)
    contact = conversation.contact
    if not contact.language and text:
        language = detect_language(text)
        if language:
            contact.language = language
            contact.updated_at = now
            contact.save(update_fields=["language", "updated_at"])
    queue, rule = choose_queue(tenant, conversation, text=text, motive=motive)
    labels = list(rule.labels) if rule else []
    entry = enqueue_entry(
        conversation,
        queue,
        now=now,
        priority=rule.priority if rule else None,
        reason="rule" if rule else "default",
        rule=rule,
        labels=labels,
    )
    if labels:
        apply_rule_labels(conversation, labels, rule=rule, now=now)
    if not engine.assign_arrival(tenant, entry, now=now):
        kick_assignment(tenant.pk)
    return entry


@transaction.atomic(durable=True)
def enqueue(
    tenant: Tenant,
    *,
    conversation: Conversation,
    queue: QueueModel,
    priority: int | None = None,
    principal: Principal | None = None,
    now: datetime | None = None,
) -> QueueEntry:
    """Puts the conversation straight into a named queue (a bot hand-off, an API call)."""
    if principal is not None:
        principal.require(Scope.INBOX_WRITE)
    now = now or timezone.now()
    conversation = _locked_conversation(tenant, conversation)
    queue = QueueModel.objects.for_tenant(tenant).get(pk=queue.pk)
    if conversation.state == ConversationState.RESOLVED:
        raise Conflict("This conversation is resolved; it reopens when the customer writes.")
    if conversation.assignee_id:
        raise Conflict("This conversation has an agent; transfer it to the queue instead.")
    if active_entry(conversation) is not None:
        raise Conflict("This conversation is already waiting in a queue.")
    entry = enqueue_entry(
        conversation,
        queue,
        now=now,
        priority=priority,
        reason="manual" if principal else "handoff",
        actor=principal.user if principal else None,
    )
    kick_assignment(tenant.pk)
    return entry
