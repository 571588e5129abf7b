"""One access helper per object kind: the row the principal may touch, or the same 404 for
'missing' and 'not yours'."""

from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import NotFound
from inbox.models import CannedResponse, Channel, Conversation, Label, Media
from inbox.selectors import visible_conversations


def access_conversation(
    principal: Principal, conversation_id, *, lock: bool = False
) -> Conversation:
    principal.require(Scope.INBOX_READ)
    conversations = visible_conversations(principal)
    if lock:
        conversations = conversations.select_for_update(of=("self",))
    try:
        return conversations.get(pk=int(conversation_id))
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_channel(principal: Principal, channel_id) -> Channel:
    principal.require(Scope.CONFIG)
    try:
        return Channel.objects.for_tenant(principal.tenant).get(pk=int(channel_id))
    except (Channel.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_media(principal: Principal, media_id) -> Media:
    """Media is visible exactly when its conversation is."""
    try:
        media = (
            Media.objects.for_tenant(principal.tenant)
            .select_related("message")
            .get(pk=int(media_id))
        )
    except (Media.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    access_conversation(principal, media.message.conversation_id)
    return media


def access_label(principal: Principal, label_id, *, scope: Scope = Scope.CONFIG) -> Label:
    """Admins edit the catalogue; agents (scope INBOX_WRITE) pick from it."""
    principal.require(scope)
    try:
        return Label.objects.for_tenant(principal.tenant).get(pk=int(label_id))
    except (Label.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_canned(principal: Principal, canned_id) -> CannedResponse:
    principal.require(Scope.CONVERSATIONS_ALL)
    try:
        return CannedResponse.objects.for_tenant(principal.tenant).get(pk=int(canned_id))
    except (CannedResponse.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
