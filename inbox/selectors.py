"""Reads of the inbox; tenant-scoped except the webhook's channel lookup (the signed payload
names the number, and the number names the tenant)."""

from django.db.models import Q, QuerySet

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Scope
from inbox.models import (
    CannedResponse,
    Channel,
    ContactIdentity,
    Conversation,
    ConversationState,
    Direction,
    EventSequence,
    Label,
    Message,
)


def channels_by_phone_number_id(phone_number_ids: set[str]) -> dict[str, Channel]:
    if not phone_number_ids:
        return {}
    channels = Channel.objects.filter(
        phone_number_id__in=phone_number_ids, is_active=True
    ).select_related("tenant")
    return {c.phone_number_id: c for c in channels}


def channels_by_waba_id(waba_ids: set[str]) -> dict[str, list[Channel]]:
    """The numbers of each named business account (a WABA's webhooks name no number)."""
    by_waba: dict[str, list[Channel]] = {}
    if waba_ids:
        channels = Channel.objects.filter(waba_id__in=waba_ids, is_active=True)
        for channel in channels.select_related("tenant"):
            by_waba.setdefault(channel.waba_id, []).append(channel)
    return by_waba


def signed_channels(channel_ids: list[int]) -> list[Channel]:
    """The active channels whose app secret signed a delivery (stored with it on receipt)."""
    if not channel_ids:
        return []
    return list(Channel.objects.filter(pk__in=channel_ids, is_active=True).select_related("tenant"))


def tenant_channels(tenant: Tenant) -> QuerySet[Channel]:
    return Channel.objects.for_tenant(tenant).order_by("name")


def _last_message(tenant: Tenant, channel: Channel, direction: str) -> Message | None:
    return (
        Message.objects.for_tenant(tenant)
        .filter(channel=channel, direction=direction)
        .select_related("conversation__contact")
        .order_by("-pk")
        .first()
    )


def last_inbound_message(tenant: Tenant, channel: Channel) -> Message | None:
    return _last_message(tenant, channel, Direction.INBOUND)


def last_outbound_message(tenant: Tenant, channel: Channel) -> Message | None:
    return _last_message(tenant, channel, Direction.OUTBOUND)


def visible_conversations(principal) -> QuerySet[Conversation]:
    """Supervisors and admins (and tokens with the scope) see all; agents their own and the
    queue's (waiting or with the bot)."""
    conversations = Conversation.objects.for_tenant(principal.tenant).select_related(
        "contact", "channel", "assignee"
    )
    if principal.can(Scope.CONVERSATIONS_ALL):
        return conversations
    return conversations.filter(
        Q(assignee=principal.user) | Q(state__in=[ConversationState.QUEUED, ConversationState.BOT])
    )


def conversation_list(
    principal,
    *,
    tab: str = "mine",
    state: str | None = None,
    channel_id: int | None = None,
    search: str = "",
) -> QuerySet[Conversation]:
    conversations = visible_conversations(principal)
    if tab == "mine":
        conversations = conversations.filter(assignee=principal.user)
    elif tab == "queue":
        conversations = conversations.filter(
            state__in=[ConversationState.QUEUED, ConversationState.BOT]
        )
    if state:
        conversations = conversations.filter(state=state)
    else:
        conversations = conversations.exclude(state=ConversationState.RESOLVED)
    if channel_id:
        conversations = conversations.filter(channel_id=channel_id)
    if search:
        conversations = conversations.filter(
            Q(contact__name__icontains=search) | Q(contact__identities__wa_id__contains=search)
        ).distinct()
    return conversations.order_by("-priority", "-last_message_at", "-pk")


def visible_messages(principal) -> QuerySet[Message]:
    """The tenant's messages, whispers only for their addressee and supervisors."""
    messages = Message.objects.for_tenant(principal.tenant)
    if principal.can(Scope.CONVERSATIONS_ALL):
        return messages
    if principal.user is None:  # a token without the scope: nobody whispers to a system
        return messages.exclude(kind="whisper")
    return messages.exclude(Q(kind="whisper") & ~Q(addressee=principal.user))


def conversation_messages(principal, conversation: Conversation) -> QuerySet[Message]:
    return (
        visible_messages(principal)
        .filter(conversation=conversation)
        .select_related("author")
        .prefetch_related("media")
        .order_by("sent_at", "pk")
    )


def contact_thread(principal, conversation: Conversation, *, limit: int = 300) -> list[Message]:
    """The contact's latest messages across all their conversations and channels, oldest
    first: the agent reads the whole story, not only this conversation."""
    latest = (
        visible_messages(principal)
        .filter(conversation__contact_id=conversation.contact_id)
        .select_related("author", "channel", "conversation")
        .prefetch_related("media")
        .order_by("-sent_at", "-pk")[:limit]
    )
    return list(reversed(latest))


def contact_identities(contact) -> QuerySet[ContactIdentity]:
    return ContactIdentity.objects.for_tenant(contact.tenant).filter(contact=contact).order_by("pk")


def active_channels() -> QuerySet[Channel]:
    """Every active number of every tenant (for periodic system work, never for a request)."""
    return Channel.objects.filter(is_active=True).select_related("tenant").order_by("pk")


def contact_history(conversation: Conversation) -> QuerySet[Conversation]:
    """The contact's other conversations, newest first, for the side panel."""
    return (
        Conversation.objects.for_tenant(conversation.tenant)
        .filter(contact_id=conversation.contact_id)
        .exclude(pk=conversation.pk)
        .select_related("channel")
        .order_by("-opened_at")[:10]
    )


# --- The conversation pane -----------------------------------------------------------------------


def holds(principal, conversation: Conversation) -> bool:
    """Whether the principal answers and changes this conversation (inbox.access.check_holds)."""
    return (
        principal.can(Scope.INBOX_WRITE)
        and principal.user is not None
        and conversation.assignee_id == principal.user.pk
    )


def latest_event_seq(tenant: Tenant) -> int:
    """The tenant's last committed event sequence number (a page's realtime cursor)."""
    last = EventSequence.objects.filter(tenant=tenant).values_list("last", flat=True).first()
    return last or 0


# --- Labels and canned responses -----------------------------------------------------------------


def labels(tenant: Tenant) -> QuerySet[Label]:
    return Label.objects.for_tenant(tenant).order_by("name")


def labels_by_name(tenant: Tenant) -> dict[str, Label]:
    """For drawing the labels a conversation carries (by name) in their colours."""
    return {label.name: label for label in labels(tenant)}


def canned_responses(tenant: Tenant) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.for_tenant(tenant).order_by("shortcut")


def canned_matches(tenant: Tenant, query: str, *, limit: int = 20) -> list[CannedResponse]:
    """What `/query` in the composer offers: shortcuts starting with it first, then titles
    containing it."""
    query = query.strip().lstrip("/").lower()
    responses = canned_responses(tenant)
    if not query:
        return list(responses[:limit])
    first = list(responses.filter(shortcut__startswith=query)[:limit])
    more = responses.filter(title__icontains=query).exclude(pk__in=[c.pk for c in first])
    return first + list(more[: limit - len(first)])
