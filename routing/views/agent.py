"""The agent's routing controls in the inbox: presence, offers to accept, transfers, take.

Mounted under /inbox/ (routing/urls_inbox.py); the conversation pane they answer with is the
inbox's (inbox.views.render_conversation), and what routing adds to it comes through the
inbox's `conversation_pane` hook (pane_context, registered in routing/apps.py).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from contactcenter.accounts.permissions import Scope
from contactcenter.errors import AppError, NotFound
from contactcenter.pages import page
from inbox.views import render_conversation, with_conversation
from routing import selectors
from routing.forms import PresenceForm, TransferForm
from routing.models import Presence
from routing.services import config, engine, presence, transfers


def pane_context(request, conversation) -> dict:
    """Routing's part of the inbox's conversation pane: whether to offer "take", and where a
    transfer may go."""
    return {
        "may_take": selectors.may_take(request.principal, conversation),
        "transfer_agents": selectors.transfer_agents(request.tenant),
        "transfer_queues": selectors.transfer_queues(request.tenant),
    }


def _agent_bar(request, *, error: str = ""):
    context = {
        "profile": selectors.agent_profile(request.principal),
        "offers": selectors.pending_offers(request.principal),
        "presences": Presence.choices,
        "bar_error": error,
    }
    return render(request, "routing/_agent_bar.html", context)


def _back(request, error: str = ""):
    """HTMX gets the bar again; a plain form post returns to the inbox."""
    if request.htmx:
        return _agent_bar(request, error=error)
    if error:
        messages.error(request, error)
    return redirect("inbox")


@require_GET
@page(Scope.INBOX_READ)
def agent_bar(request):
    return _agent_bar(request)


@require_POST
@page(Scope.INBOX_READ)
def set_presence(request):
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return _back(request, "Choose available, busy, away or offline.")
    profile = config.ensure_agent_profile(request.tenant, membership=request.membership)
    presence.set_presence(
        request.tenant,
        agent=profile,
        presence=form.cleaned_data["presence"],
        principal=request.principal,
    )
    return _back(request)


@require_POST
@page(Scope.INBOX_READ)
def answer_offer(request, offer_id: int, answer: str):
    respond = engine.accept_offer if answer == "accept" else engine.decline_offer
    try:
        offer = respond(request.tenant, principal=request.principal, offer_id=offer_id)
    except NotFound:
        raise  # the 404 page (contactcenter.pages.page), not a message in the bar
    except AppError as exc:
        return _back(request, exc.message)
    if answer == "accept" and not request.htmx:
        return redirect(f"{reverse('inbox')}?c={offer.conversation_id}")
    return _back(request)


@require_POST
@with_conversation
def transfer(request, conversation):
    form = TransferForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return render_conversation(request, conversation, state_error=form.error_text())
    data, principal = form.cleaned_data, request.principal
    try:
        if data.get("queue"):
            transfers.transfer_to_queue(
                request.tenant,
                principal=principal,
                conversation=conversation,
                queue=data["queue"],
                note=data["note"],
            )
        elif principal.can(Scope.CONVERSATIONS_ALL):
            transfers.reassign_conversation(
                request.tenant,
                principal=principal,
                conversation=conversation,
                agent=data["agent"],
                note=data["note"],
            )
        else:
            transfers.transfer_to_agent(
                request.tenant,
                principal=principal,
                conversation=conversation,
                agent=data["agent"],
                note=data["note"],
            )
    except AppError as exc:
        return render_conversation(request, conversation, state_error=exc.message)
    return render_conversation(request, conversation)


@require_POST
@with_conversation
def take(request, conversation):
    """Take a waiting conversation (agents, when the queue allows) or take over (supervisors)."""
    try:
        conversation = transfers.take_for(request.principal)(
            request.tenant, principal=request.principal, conversation=conversation
        )
    except AppError as exc:
        return render_conversation(request, conversation, state_error=exc.message)
    return render_conversation(request, conversation)
