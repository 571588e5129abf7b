"""Routing's accepted work that the relay wakes again (contactcenter/relay.py): conversations
handed to routing whose wake-up was lost."""

from datetime import datetime

from contactcenter import relay
from inbox.models import Conversation
from routing.tasks import route_conversation_task


def redrive_routing(now: datetime) -> int:
    due = Conversation.objects.filter(routing_due_at__isnull=False)
    return relay.wake_due(
        due,
        task=route_conversation_task,
        now=now,
        field="routing_due_at",
        backoff_from="last_message_at",
    )


def register() -> None:
    relay.register("routing", redrive_routing)
