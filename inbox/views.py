"""The agent inbox: conversation list, thread, composer, and authorised media downloads.

Pages are server-rendered; HTMX swaps fragments, and the hub's events ask for fresh ones.
Every form also works without JavaScript (post, then redirect back to the conversation).
"""

import mimetypes
from datetime import timedelta
from functools import wraps

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from contactcenter.accounts.permissions import Scope
from contactcenter.errors import AppError
from contactcenter.pages import page
from inbox import access, hooks, selectors
from inbox.channels.whatsapp import outbound
from inbox.forms import NoteForm, ReplyForm, StateForm
from inbox.models import MediaState
from inbox.services import conversations as conversation_services
from inbox.services import sending

# Shown in the page (audio player, image); everything else downloads as an attachment.
INLINE_MIME_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/ogg",
    "audio/mpeg",
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "video/mp4",
    "video/3gpp",
}
TABS = ("mine", "queue", "all")


def with_conversation(view):
    """Loads the conversation the principal may see (404 otherwise) as the second argument."""

    @wraps(view)
    def wrapper(request, conversation_id: int, *args, **kwargs):
        conversation = access.access_conversation(request.principal, conversation_id)
        return view(request, conversation, *args, **kwargs)

    return page(Scope.INBOX_READ)(wrapper)


def _tab(request) -> str:
    tab = request.GET.get("tab", "mine")
    if tab == "all" and not request.principal.can(Scope.CONVERSATIONS_ALL):
        return "mine"
    return tab if tab in TABS else "mine"


def _list_context(request) -> dict:
    tab = _tab(request)
    conversations = selectors.conversation_list(
        request.principal, tab=tab, search=request.GET.get("q", "")[:100]
    )[:100]
    return {
        "tab": tab,
        "conversations": conversations,
        "q": request.GET.get("q", ""),
        "label_by_name": selectors.labels_by_name(request.tenant),
    }


def _conversation_context(request, conversation, **extra) -> dict:
    thread = selectors.contact_thread(request.principal, conversation)
    within_window = conversation.is_within_window()
    return {
        "conversation": conversation,
        # Not "messages": that name is Django's flash messages in every page.
        "thread_messages": thread,
        "quoted": {m.wamid: m for m in thread if m.wamid},
        "within_window": within_window,
        "identities": selectors.contact_identities(conversation.contact),
        "labels": selectors.labels(request.tenant),
        "label_by_name": selectors.labels_by_name(request.tenant),
        "can_whisper": request.principal.can(Scope.CONVERSATIONS_ALL),
        "history": selectors.contact_history(conversation),
        "can_write": request.principal.can(Scope.INBOX_WRITE),
        "holds": selectors.holds(request.principal, conversation),
        # The apps above the inbox add their part (take, transfer, templates): inbox/hooks.py.
        **hooks.conversation_pane.collect(request, conversation),
        "reply_form": extra.pop("reply_form", None) or ReplyForm(),
        "note_form": extra.pop("note_form", None) or NoteForm(),
        **extra,
    }


def render_conversation(request, conversation, *, status=200, **extra):
    """HTMX gets the conversation fragment; a plain form post goes back to the page."""
    if not request.htmx and request.method == "POST" and status == 200:
        return redirect(f"{reverse('inbox')}?c={conversation.pk}")
    context = _conversation_context(request, conversation, **extra)
    if request.htmx:
        return render(request, "inbox/_conversation.html", context, status=status)
    return render(request, "inbox/inbox.html", {**_list_context(request), **context}, status=status)


@require_GET
@page(Scope.INBOX_READ)
def inbox_home(request):
    context = _list_context(request)
    if request.GET.get("c"):
        conversation = access.access_conversation(request.principal, request.GET["c"])
        context.update(_conversation_context(request, conversation))
    return render(request, "inbox/inbox.html", context)


@require_GET
@page(Scope.INBOX_READ)
def conversation_list(request):
    return render(request, "inbox/_list.html", _list_context(request))


@require_GET
@with_conversation
def conversation_detail(request, conversation):
    return render_conversation(request, conversation)


@require_GET
@with_conversation
def conversation_thread(request, conversation):
    return render(request, "inbox/_thread.html", _conversation_context(request, conversation))


@require_POST
@with_conversation
def send_reply(request, conversation):
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_conversation(request, conversation, reply_form=form)
    try:
        sending.send_message(
            request.tenant,
            principal=request.principal,
            conversation=conversation,
            content=_reply_content(form.cleaned_data),
            attachment=form.cleaned_data.get("attachment"),
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
    except (AppError, outbound.ContentError) as exc:
        form.add_error(None, getattr(exc, "message", str(exc)))
        return render_conversation(request, conversation, reply_form=form)
    return render_conversation(request, conversation)


def _reply_content(data: dict) -> dict:
    file = data.get("attachment")
    if file is None:
        return outbound.text_content(data["text"])
    kind = outbound.attachment_kind(file.content_type or "", file.size)
    return outbound.media_content(kind, caption=data.get("text", ""), filename=file.name or "")


@require_POST
@with_conversation
def add_note(request, conversation):
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            conversation_services.add_note(
                request.tenant,
                principal=request.principal,
                conversation=conversation,
                text=form.cleaned_data["text"],
                whisper=form.cleaned_data["whisper"],
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            form = None
    return render_conversation(request, conversation, note_form=form)


@require_POST
@with_conversation
def mark_read(request, conversation):
    conversation_services.mark_conversation_read(
        request.tenant, principal=request.principal, conversation=conversation
    )
    return render(request, "inbox/_unread.html", {"conversation": conversation})


@require_POST
@with_conversation
def change_state(request, conversation):
    form = StateForm(request.POST)
    if not form.is_valid():
        return render_conversation(request, conversation, state_error=form.errors.as_text())
    action, principal = form.cleaned_data["action"], request.principal
    try:
        if action == "resolve":
            conversation = conversation_services.resolve_conversation(
                request.tenant, principal=principal, conversation=conversation
            )
        elif action == "pending":
            conversation = conversation_services.set_pending(
                request.tenant, principal=principal, conversation=conversation
            )
        else:
            until = timezone.now() + timedelta(hours=form.cleaned_data["snooze_hours"] or 4)
            conversation = conversation_services.snooze_conversation(
                request.tenant, principal=principal, conversation=conversation, until=until
            )
    except AppError as exc:
        return render_conversation(request, conversation, state_error=exc.message)
    return render_conversation(request, conversation)


@require_GET
@page()
def media_download(request, media_id: int):
    media = access.access_media(request.principal, media_id)
    if media.state != MediaState.READY or not media.file:
        raise Http404
    mime = media.mime_type or mimetypes.guess_type(media.file.name)[0] or "application/octet-stream"
    inline = mime in INLINE_MIME_TYPES
    response = FileResponse(
        media.file.open("rb"),
        content_type=mime if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=media.filename or media.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
