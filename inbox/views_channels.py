"""Admin pages for WhatsApp numbers: list, connect, edit. Secrets are never shown again."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contactcenter.accounts.permissions import Scope
from contactcenter.clientip import request_ip
from contactcenter.errors import AppError
from contactcenter.pages import page
from inbox import access, selectors
from inbox.forms import ChannelForm
from inbox.services import channels as channel_services


@page(Scope.CONFIG)
def channel_list(request):
    channels = selectors.tenant_channels(request.tenant)
    return render(request, "inbox/channels/list.html", {"channels": channels})


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def channel_create(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel_services.create_channel(
                request.tenant,
                principal=request.principal,
                ip=request_ip(request),
                **form.all_values(),
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The number is connected."))
            return redirect("inbox-channels")
    return render(request, "inbox/channels/form.html", {"form": form, "channel": None})


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def channel_edit(request, channel_id: int):
    channel = access.access_channel(request.principal, channel_id)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        try:
            channel_services.update_channel(
                request.tenant,
                principal=request.principal,
                channel=channel,
                ip=request_ip(request),
                **form.changes(),
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("inbox-channels")
    return render(request, "inbox/channels/form.html", {"form": form, "channel": channel})
