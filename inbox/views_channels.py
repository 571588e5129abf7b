"""Admin pages for WhatsApp numbers: list, connect, edit, check. Secrets are never shown again.

A company with no number yet gets its admins walked through connecting one: `home` sends them
to the connect page (registered in apps.py, contactcenter/landing.py), which then explains the
fields, and the check page shows what to copy into Meta and sends a test message.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contactcenter.accounts.permissions import Scope
from contactcenter.clientip import request_ip
from contactcenter.errors import AppError
from contactcenter.pages import page
from inbox import access, selectors
from inbox.forms import ChannelForm
from inbox.services import channel_check as check_services
from inbox.services import channels as channel_services


@page(Scope.CONFIG)
def channel_list(request):
    channels = selectors.tenant_channels(request.tenant)
    return render(request, "inbox/channels/list.html", {"channels": channels})


def first_run_step(request) -> str | None:
    """An admin of a company without a WhatsApp number connects one first."""
    principal = getattr(request, "principal", None)
    if principal is None or not principal.can(Scope.CONFIG):
        return None
    if selectors.tenant_channels(request.tenant).exists():
        return None
    return reverse("inbox-channel-create")


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def channel_create(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = channel_services.create_channel(
                request.tenant,
                principal=request.principal,
                ip=request_ip(request),
                **form.all_values(),
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The number is connected."))
            return redirect("inbox-channel-check", channel.pk)
    first_run = not selectors.tenant_channels(request.tenant).exists()
    return render(
        request,
        "inbox/channels/form.html",
        {"form": form, "channel": None, "first_run": first_run},
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def channel_check(request, channel_id: int):
    """What to copy into Meta's webhook settings, and a test message back to a phone."""
    channel = access.access_channel(request.principal, channel_id)
    if request.method == "POST":
        try:
            check_services.send_test_message(
                request.tenant, principal=request.principal, channel=channel, ip=request_ip(request)
            )
        except AppError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Test message queued: its status shows below."))
        return redirect("inbox-channel-check", channel.pk)
    webhook_path = reverse("whatsapp-webhook")
    context = {
        "channel": channel,
        "webhook_url": f"{settings.PUBLIC_BASE_URL.rstrip('/')}{webhook_path}",
        "received": selectors.last_inbound_message(request.tenant, channel),
        "sent": selectors.last_outbound_message(request.tenant, channel),
        "sandbox_phone": reverse("sandbox:phone") if settings.SANDBOX_ENABLED else "",
    }
    return render(request, "inbox/channels/check.html", context)


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
