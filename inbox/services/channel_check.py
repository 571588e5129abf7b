"""The check a new number's admin runs on the first-run page: a message written to the number
from a phone reaches us (Meta's webhook is set up, with the right app secret), and a test reply
goes back to that phone through the normal sending path (the token and ids are right). The
code is the same for Meta and the sandbox: only GRAPH_API_BASE differs."""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.services import record_audit
from contactcenter.errors import Conflict
from inbox import selectors
from inbox.channels.whatsapp import outbound
from inbox.errors import WindowClosed
from inbox.models import Channel, Conversation, Message

from .sending import queue_outbound


@transaction.atomic(durable=True)
def send_test_message(
    tenant, *, principal: Principal, channel: Channel, ip: str | None = None
) -> Message:
    """Replies, in the company's language, to the last message the number received."""
    principal.require(Scope.CONFIG)
    received = selectors.last_inbound_message(tenant, channel)
    if received is None:
        raise Conflict(
            _(
                "No message has reached this number yet. Write to it from your phone first; "
                "if it does not appear here, check the webhook URL and verify token in Meta."
            )
        )
    conversation = (
        Conversation.objects.for_tenant(tenant).select_for_update().get(pk=received.conversation_id)
    )
    if not conversation.is_within_window():
        raise WindowClosed()
    with translation.override(tenant.default_language):
        text = _("Test message from %(company)s: this WhatsApp number is connected.") % {
            "company": tenant.name
        }
    message = queue_outbound(
        conversation, outbound.text_content(text), author=principal.user, by="agent"
    )
    record_audit(
        tenant,
        actor=principal.user,
        actor_label=principal.label,
        action="channel.tested",
        target=channel,
        ip=ip,
        data={"message": message.pk},
    )
    return message
