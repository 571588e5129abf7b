"""Templates in the agent's inbox: the picker outside the 24-hour window, and its send.

The send is mounted under /inbox/ (templates_hsm/urls_inbox.py) and answers with the inbox's
conversation pane; the picker's templates join that pane through the inbox's
`conversation_pane` hook (pane_context, registered in templates_hsm/apps.py).
"""

from django.views.decorators.http import require_POST

from contactcenter.errors import AppError
from inbox.services import sending
from inbox.views import render_conversation, with_conversation
from templates_hsm import services
from templates_hsm.forms import TemplateSendForm
from templates_hsm.selectors import approved_templates


def pane_context(request, conversation) -> dict:
    """Outside the window only an approved template may be sent: the picker lists them."""
    if conversation.is_within_window():
        return {"templates": []}
    return {"templates": approved_templates(conversation.channel)}


@require_POST
@with_conversation
def send_template(request, conversation):
    form = TemplateSendForm(request.POST)
    try:
        if not form.is_valid():
            raise AppError("Choose a template.")
        content = services.template_content(
            conversation.channel, template_id=form.cleaned_data["template"], params=form.params()
        )
        sending.send_message(
            request.tenant, principal=request.principal, conversation=conversation, content=content
        )
    except AppError as exc:
        return render_conversation(request, conversation, template_error=exc.message)
    return render_conversation(request, conversation)
