"""One access helper per object kind: the row the principal may touch, or the same 404 for
'missing' and 'not yours'."""

from django.utils.translation import gettext as _

from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import NotFound
from inbox.errors import NotHolder
from inbox.models import CannedResponse, Channel, Conversation, ConversationState, Label, Media
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


def check_may_handle(principal: Principal, conversation: Conversation) -> None:
    """Labels, consent, transfers: agents on their own conversations; supervisors and admins on
    any. 404 otherwise."""
    principal.require(Scope.INBOX_WRITE)
    if principal.can(Scope.CONVERSATIONS_ALL):
        return
    if principal.user is None or conversation.assignee_id != principal.user.pk:
        raise NotFound()


def check_holds(principal: Principal, conversation: Conversation) -> None:
    """Replying, resolving, snoozing and waiting on the customer speak for the team, so one
    person does them: the assignee. A supervisor takes the conversation over first (the agent
    who had it hears of it), an agent takes a waiting one when its queue allows. A token acts
    for a system, not a person: it needs conversations:all. The caller holds the row lock."""
    principal.require(Scope.INBOX_WRITE)
    if principal.user is None:
        if principal.can(Scope.CONVERSATIONS_ALL):
            return
        raise NotHolder(
            _(
                "An API token answers a conversation only with the conversations:all "
                "scope: ask an admin for it."
            )
        )
    if conversation.assignee_id == principal.user.pk:
        return
    if conversation.assignee_id is not None:
        raise NotHolder(
            _("%(agent)s is handling this conversation. Take it over to answer or change it.")
            % {"agent": conversation.assignee}
        )
    if conversation.state in (ConversationState.QUEUED, ConversationState.BOT):
        raise NotHolder(
            _(
                "This conversation is waiting for an agent. Take it first, or wait until it is "
                "offered to you."
            )
        )
    raise NotHolder(_("Nobody holds this conversation. Take it over to answer or change it."))


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
