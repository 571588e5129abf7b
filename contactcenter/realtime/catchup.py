"""What a reconnecting socket missed, read from the event log.

The cursor is the event's `seq`: per tenant, gapless and in commit order (assigned at commit),
so "newer than the last seq seen" misses nothing and repeats nothing.
"""

from django.db.models import Q

from contactcenter.accounts.permissions import Principal, Scope
from inbox.models import ConversationEvent, ConversationState
from inbox.services.events import wire_payload

REPLAY_LIMIT = 500


def missed_events(principal: Principal, last_seq: int) -> list[dict] | None:
    """Events after the cursor this principal may see, oldest first; None means resync."""
    events = ConversationEvent.objects.for_tenant(principal.tenant).filter(seq__gt=last_seq)
    if not principal.can(Scope.CONVERSATIONS_ALL):
        events = events.filter(
            Q(conversation__assignee=principal.user)
            | Q(conversation__state__in=[ConversationState.QUEUED, ConversationState.BOT])
        )
    rows = list(events.select_related("conversation").order_by("seq")[: REPLAY_LIMIT + 1])
    if len(rows) > REPLAY_LIMIT:
        return None
    return [wire_payload(event, event.conversation) for event in rows]
