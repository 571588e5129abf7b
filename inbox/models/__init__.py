"""The inbox's data, one module per concept; every public name is re-exported here, so callers
and migrations write `from inbox.models import Conversation` whatever module holds it.

channels (numbers customers write to), contacts (and their identities), conversations, messages,
media, events (the conversation log), webhooks (raw deliveries, dead letters, early statuses),
labels, canned (saved replies).
"""

from .canned import CannedResponse
from .channels import Channel, ChannelKind
from .contacts import Consent, Contact, ContactIdentity
from .conversations import (
    CUSTOMER_SERVICE_WINDOW,
    OPEN_STATES,
    SLA_WARNING_RATIO,
    Conversation,
    ConversationState,
)
from .events import ConversationEvent, EventSequence, EventType
from .labels import Label, LabelColor
from .media import Media, MediaState, media_path
from .messages import STATUS_RANK, Direction, Message, MessageStatus
from .webhooks import DeadLetter, DeliveryState, EarlyStatus, WebhookDelivery

__all__ = [
    "CUSTOMER_SERVICE_WINDOW",
    "OPEN_STATES",
    "SLA_WARNING_RATIO",
    "STATUS_RANK",
    "CannedResponse",
    "Channel",
    "ChannelKind",
    "Consent",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationEvent",
    "ConversationState",
    "DeadLetter",
    "DeliveryState",
    "Direction",
    "EarlyStatus",
    "EventSequence",
    "EventType",
    "Label",
    "LabelColor",
    "Media",
    "MediaState",
    "Message",
    "MessageStatus",
    "WebhookDelivery",
    "media_path",
]
