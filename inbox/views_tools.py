"""The conversation's tools beside the composer: labels, consent, canned responses."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from contactcenter.accounts.permissions import Scope
from contactcenter.errors import AppError, NotFound
from inbox import access, selectors
from inbox.forms import ConsentForm, LabelChangeForm
from inbox.services import canned, consent, labels
from inbox.views import render_conversation, with_conversation


@require_POST
@with_conversation
def change_label(request, conversation):
    form = LabelChangeForm(request.POST)
    if not form.is_valid():
        return render_conversation(request, conversation, label_error="Choose a label.")
    try:
        label = access.access_label(
            request.principal, form.cleaned_data["label"], scope=Scope.INBOX_WRITE
        )
        change = labels.add_label if form.cleaned_data["action"] == "add" else labels.remove_label
        conversation = change(
            request.tenant, principal=request.principal, conversation=conversation, label=label
        )
    except NotFound:
        raise  # the 404 page (contactcenter.pages.page), not a message on the pane
    except AppError as exc:
        return render_conversation(request, conversation, label_error=exc.message)
    return render_conversation(request, conversation)


@require_POST
@with_conversation
def record_consent(request, conversation):
    form = ConsentForm(request.POST)
    try:
        if not form.is_valid():
            raise AppError("Choose opted in or opted out and say how the customer answered.")
        consent.record_consent(
            request.tenant,
            principal=request.principal,
            conversation=conversation,
            **form.cleaned_data,
        )
    except NotFound:
        raise  # the 404 page (contactcenter.pages.page), not a message on the pane
    except AppError as exc:
        return render_conversation(request, conversation, consent_error=exc.message)
    conversation.contact.refresh_from_db()
    return render_conversation(request, conversation)


@require_GET
@with_conversation
def canned_responses(request, conversation):
    """The responses matching `/query`, filled in for this conversation (JSON for the composer;
    the browser inserts them as text, never as HTML)."""
    values = canned.variables_for(conversation, request.user)
    matches = selectors.canned_matches(request.tenant, request.GET.get("q", "")[:40])
    return JsonResponse(
        {
            "results": [
                {"shortcut": c.shortcut, "title": c.title, "text": canned.render(c.body, values)}
                for c in matches
            ]
        }
    )
