"""What a reconnecting socket missed, read from the event log.

The cursor is the event's `seq`: per tenant, gapless and in commit order (assigned at commit),
so "newer than the last seq seen, up to the tenant's last committed seq" misses nothing and
repeats nothing. An agent gets the events it heard live (its own conversations' and the
queue's, the ones that left it included) and those of every conversation it may see now,
except private events (whispers) addressed to someone else.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from contactcenter.accounts.permissions import Principal, Scope
from inbox.models import ConversationEvent
from inbox.selectors import latest_event_seq, visible_conversations
from inbox.services.events import wire_payload

REPLAY_PAGE = 200


def replay_bound(principal: Principal, last_seq: int) -> int | None:
    """The tenant's last committed seq, up to which a socket at `last_seq` is replayed; None
    when that cursor cannot be replayed (too far behind, too old, or unknown): resync."""
    upto = latest_event_seq(principal.tenant)
    if last_seq > upto or upto - last_seq > settings.HUB_REPLAY_MAX_EVENTS:
        return None
    first_missed = (
        ConversationEvent.objects.for_tenant(principal.tenant)
        .filter(seq__gt=last_seq)
        .order_by("seq")
        .values_list("at", flat=True)
        .first()
    )
    oldest_kept = timezone.now() - timedelta(seconds=settings.HUB_REPLAY_MAX_AGE_S)
    if first_missed is not None and first_missed < oldest_kept:
        return None
    return upto


def replay_page(principal: Principal, *, after: int, upto: int) -> tuple[list[dict], bool]:
    """The next events in (after, upto] this principal may see, oldest first, at most a page;
    and whether that was the last page."""
    events = ConversationEvent.objects.for_tenant(principal.tenant).filter(
        seq__gt=after, seq__lte=upto
    )
    if not principal.can(Scope.CONVERSATIONS_ALL):  # else every conversation: no semi-join
        events = events.filter(
            Q(heard_by_queue=True)
            | Q(heard_by_agents__contains=[principal.user.pk])
            | Q(conversation__in=visible_conversations(principal).values("pk"))
        ).exclude(Q(data__has_key="private_to") & ~Q(data__private_to=principal.user.pk))
    rows = list(events.select_related("conversation").order_by("seq")[:REPLAY_PAGE])
    return [wire_payload(event, event.conversation) for event in rows], len(rows) < REPLAY_PAGE
