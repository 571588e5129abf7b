"""Customer satisfaction, simple version: when an agent resolves a conversation inside the
24-hour window, the customer gets three reply buttons (Great / OK / Bad → 5 / 3 / 1); a tap
within a day is the conversation's score, attributed to the agent who resolved it.

CSAT is the top-box share (score 4 or 5 over all answers), as Zendesk and Chatwoot define it;
the response rate is answers over surveys sent. The tap never reopens the conversation.
"""

import re
from datetime import datetime, timedelta

from django.utils import translation
from django.utils.translation import gettext as _

from inbox.channels.whatsapp import outbound
from inbox.models import Channel, Contact, Conversation, ConversationEvent, EventType, Message

from .events import record_event

ANSWER = re.compile(r"^csat:([1-5])$")
ANSWER_WITHIN = timedelta(hours=24)
GOOD_SCORE = 4


def survey_content(language: str) -> dict:
    with translation.override(language):
        return outbound.buttons_content(
            _("How would you rate our service today?"),
            [("csat:5", _("Great")), ("csat:3", _("OK")), ("csat:1", _("Bad"))],
        )


def request_survey(conversation: Conversation, *, agent_id: int | None, now: datetime) -> None:
    """Composed by the resolution, inside its transaction (the conversation is locked)."""
    from .sending import queue_outbound

    tenant = conversation.tenant
    if not tenant.csat_survey or agent_id is None or not conversation.is_within_window(now):
        return
    language = conversation.contact.language or tenant.default_language
    message = queue_outbound(conversation, survey_content(language), author=None, by="survey")
    record_event(
        conversation,
        EventType.CSAT_REQUESTED,
        data={"message": message.pk, "agent": agent_id},
        at=now,
    )


def score_of(reply_id: str) -> int | None:
    match = ANSWER.match(reply_id or "")
    return int(match.group(1)) if match else None


def open_survey(
    channel: Channel, contact: Contact, *, at: datetime
) -> tuple[Conversation, ConversationEvent] | None:
    """The contact's conversation on this number whose survey is open (asked in the last day,
    not answered yet), locked; None when there is none and the tap is an ordinary message."""
    request = (
        ConversationEvent.objects.for_tenant(channel.tenant)
        .filter(
            type=EventType.CSAT_REQUESTED,
            conversation__contact=contact,
            conversation__channel=channel,
            at__gte=at - ANSWER_WITHIN,
        )
        .order_by("-at", "-pk")
        .first()
    )
    if request is None:
        return None
    conversation = (
        Conversation.objects.for_tenant(channel.tenant)
        .select_for_update()
        .get(pk=request.conversation_id)
    )
    answered = ConversationEvent.objects.filter(
        tenant_id=channel.tenant_id,
        conversation=conversation,
        type=EventType.CSAT_RECEIVED,
        pk__gt=request.pk,
    )
    return None if answered.exists() else (conversation, request)


def record_answer(
    conversation: Conversation, request: ConversationEvent, message: Message, score: int
) -> None:
    record_event(
        conversation,
        EventType.CSAT_RECEIVED,
        data={"score": score, "agent": request.data.get("agent"), "message": message.pk},
        at=message.sent_at,
    )
