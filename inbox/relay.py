"""The inbox's accepted work that the relay wakes again (contactcenter/relay.py)."""

from datetime import datetime

from contactcenter import relay
from inbox import tasks
from inbox.models import DeliveryState, Direction, Media, MediaState, Message, MessageStatus
from inbox.models import WebhookDelivery as Delivery
from inbox.services import media, sending


def redrive_deliveries(now: datetime) -> int:
    pending = Delivery.objects.filter(state=DeliveryState.PENDING)
    return relay.wake_due(pending, task=tasks.process_webhook, now=now, backoff_from="received_at")


def redrive_sends(now: datetime) -> int:
    """Queued replies are woken; sends still unanswered at their deadline end outcome unknown."""
    queued = Message.objects.filter(status=MessageStatus.QUEUED, direction=Direction.OUTBOUND)
    settled = sending.settle_unanswered_sends(now)
    return settled + relay.wake_due(queued, task=tasks.deliver_message, now=now)


def redrive_media(now: datetime) -> int:
    """Files are woken again; one whose downloads all died midway (each took an attempt) fails."""
    media.fail_abandoned_downloads(now)
    pending = Media.objects.filter(state=MediaState.PENDING)
    return relay.wake_due(pending, task=tasks.download_media, now=now)


def register() -> None:
    relay.register("deliveries", redrive_deliveries)
    relay.register("sends", redrive_sends)
    relay.register("media", redrive_media)
