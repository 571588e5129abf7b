"""Celery entry points of routing: thin, idempotent, ids in; the services do the work."""

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from inbox.models import Conversation
from routing.models import EntryState, QueueEntry
from routing.services import engine, lifecycle, presence, routing
from routing.services.common import assign_queued_key
from routing.services.language import detect_language

MAX_BATCHES = 20


@shared_task(name="routing.route_conversation", acks_late=True)
def route_conversation_task(conversation_id: int) -> int | None:
    conversation = Conversation.objects.select_related("tenant").filter(pk=conversation_id).first()
    if conversation is None:
        return None
    entry = routing.route_conversation(conversation.tenant, conversation=conversation)
    return entry.pk if entry else None


def assign_all_waiting(tenant: Tenant) -> int:
    """Batches until a batch places nothing or the queue is drained."""
    placed = 0
    for _ in range(MAX_BATCHES):
        result = engine.assign_waiting(tenant, limit=engine.DEFAULT_BATCH)
        placed += result.placed
        if result.placed == 0 or result.claimed < engine.DEFAULT_BATCH:
            break
    return placed


@shared_task(name="routing.assign_waiting", acks_late=True)
def assign_waiting_task(tenant_id: int) -> int:
    cache.delete(assign_queued_key(tenant_id))  # first: a kick from now on queues a new run
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return assign_all_waiting(tenant) if tenant else 0


@shared_task(name="routing.sweep")
def sweep() -> dict:
    """Beat, every few seconds: offers, queue deadlines, snoozes ending, silent agents, then
    assignment for every tenant with waiting work. Each step is idempotent and claims with
    SKIP LOCKED."""
    now = timezone.now()
    expired = engine.expire_offers(now=now)
    lifecycle.apply_queue_deadlines(now=now)
    woken = lifecycle.wake_snoozed_conversations(now=now)
    silent = presence.mark_silent_agents_offline(now=now, after_s=settings.ROUTING_SILENT_AFTER_S)
    tenant_ids = set(
        QueueEntry.objects.filter(state=EntryState.WAITING)
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    placed = sum(assign_all_waiting(tenant) for tenant in Tenant.objects.filter(pk__in=tenant_ids))
    return {
        "expired_offers": len(expired),
        "woken": woken,
        "silent_agents": len(silent),
        "placed": placed,
    }


@worker_process_init.connect
def _load_language_models(**kwargs) -> None:
    """Loads the detector's models when a worker starts, not on its first customer (~1 s)."""
    detect_language("warm up the language models")
