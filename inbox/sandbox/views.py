"""The Graph API's HTTP contract (JSON, Bearer auth, Meta's errors) and the customer phone page."""

import functools
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactcenter.accounts import mfa
from contactcenter.accounts.permissions import Scope
from contactcenter.pages import page

from . import selectors
from .access import access_number
from .errors import GraphApiError
from .forms import InboundForm
from .models import SandboxCustomer, SandboxNumber
from .services.inbound import send_inbound
from .services.media import delete_media, media_fields, media_for, media_to_download, upload_media
from .services.numbers import authenticate, bearer_token, number_for, phone_number_fields, waba_for
from .services.sends import accept_send, play_voice
from .services.templates import create_template, list_templates


def graph_endpoint(view):
    """Meta's error body for every refusal; the sandbox disappears when switched off."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SANDBOX_ENABLED:
            raise Http404
        try:
            return JsonResponse(view(request, *args, **kwargs))
        except GraphApiError as error:
            return JsonResponse(error.as_body(), status=error.http_status)

    return wrapper


def _token(request) -> str:
    return bearer_token(request.headers.get("Authorization"))


def _json(request) -> dict:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        raise GraphApiError(100, "The request body is not valid JSON.") from None


def _graph_base(request) -> str:
    return request.build_absolute_uri(reverse("sandbox:graph-base"))


@graph_endpoint
def graph_base(request):
    raise GraphApiError(100, "Unsupported request: give a version and an object id.")


@graph_endpoint
@require_http_methods(["POST"])
def messages(request, version: str, node_id: str):
    number = number_for(_token(request), node_id)
    return accept_send(number, _json(request))


@graph_endpoint
@require_http_methods(["POST"])
def media_upload(request, version: str, node_id: str):
    number = number_for(_token(request), node_id)
    return upload_media(number, fields=request.POST, upload=request.FILES.get("file"))


@graph_endpoint
@require_http_methods(["GET", "POST"])
def message_templates(request, version: str, node_id: str):
    number = waba_for(_token(request), node_id)
    if request.method == "POST":
        return create_template(number, _json(request))
    return list_templates(number, request.GET, next_base=request.build_absolute_uri(request.path))


@graph_endpoint
@require_http_methods(["GET", "DELETE"])
def node(request, version: str, node_id: str):
    """`/{id}`: a phone number's fields, or a media's URL (GET) / removal (DELETE)."""
    number = authenticate(_token(request))
    if number.phone_number_id == node_id and request.method == "GET":
        return phone_number_fields(number)
    media = media_for(_token(request), node_id)
    wanted = request.GET.get("phone_number_id")
    if wanted and wanted != media.number.phone_number_id:
        raise GraphApiError(100, "The media does not belong to this phone number.", subcode=33)
    if request.method == "DELETE":
        return delete_media(media)
    return media_fields(media, _graph_base(request))


@csrf_exempt
@require_GET
def media_download(request, media_id: str):
    """The short-lived URL of a media: bytes with its MIME type, Bearer token required."""
    if not settings.SANDBOX_ENABLED:
        raise Http404
    try:
        media = media_to_download(
            _token(request),
            media_id,
            expires=request.GET.get("ext", ""),
            hash_=request.GET.get("hash", ""),
        )
    except GraphApiError as error:
        return JsonResponse(error.as_body(), status=error.http_status)
    response = HttpResponse(bytes(media.content), content_type=media.mime_type)
    response["Content-Length"] = str(media.file_size)
    return response


# --- the customer phone page -----------------------------------------------------------------


def phone_page(view):
    """Signed in, past MFA, and configuring the session's company: the phone speaks as any
    customer to that company's sandbox numbers (/sandbox/ is outside the MFA gate, since the
    Graph endpoints authenticate by token)."""
    view = page(Scope.CONFIG)(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SANDBOX_ENABLED:
            raise Http404
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not mfa.passes_mfa(user, request.session):
            return redirect("accounts:mfa_verify")
        return view(request, *args, **kwargs)

    return wrapper


def _phone_context(request, source) -> dict:
    numbers = list(selectors.numbers(request.tenant))
    number = None
    if source.get("number"):
        number = access_number(request.principal, source["number"])
    elif numbers:
        number = numbers[0]
    customer = None
    wa_id = "".join(ch for ch in source.get("wa_id", "") if ch.isdigit())
    if number is not None and wa_id:
        customer = SandboxCustomer.objects.filter(number=number, wa_id=wa_id).first()
    reply_kind, reply_to, reply_options = (
        selectors.reply_options(customer) if customer else ("", "", [])
    )
    thread = selectors.thread(customer) if customer else []
    return {
        "numbers": numbers,
        "number": number,
        "customers": list(selectors.customers_of(number)) if number else [],
        "customer": customer,
        "wa_id": wa_id,
        "name": source.get("name") or (customer.profile_name if customer else ""),
        "thread": [(m, selectors.summary(m)) for m in thread],
        "reply_kind": reply_kind,
        "reply_to": reply_to,
        "reply_options": reply_options,
        "business_messages": [m for m in thread if m.direction == "out"][-10:],
    }


@phone_page
@require_GET
def phone(request):
    return render(request, "sandbox/phone.html", _phone_context(request, request.GET))


@phone_page
@require_GET
def phone_thread(request):
    return render(request, "sandbox/_thread.html", _phone_context(request, request.GET))


@phone_page
@require_POST
def phone_send(request):
    form = InboundForm(request.POST, request.FILES)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    number = access_number(request.principal, form.cleaned_data["number"])
    send_inbound(number, **form.inbound_arguments())
    return _back_to_thread(request, number, form.cleaned_data["wa_id"])


def _back_to_thread(request, number: SandboxNumber, wa_id: str):
    query = {"number": number.phone_number_id, "wa_id": wa_id}
    if request.htmx:
        return render(request, "sandbox/_thread.html", _phone_context(request, query))
    return redirect(f"{reverse('sandbox:phone')}?{urlencode(query)}")


@phone_page
@require_POST
def phone_play(request):
    """The customer plays a voice message: WhatsApp reports `played` to the business."""
    number = access_number(request.principal, request.POST.get("number", ""))
    wa_id = request.POST.get("wa_id", "")
    if play_voice(number, wa_id=wa_id, wamid=request.POST.get("wamid", "")) is None:
        return HttpResponse(
            "Only a voice message the business sent, not failed and not played yet, can be played.",
            status=400,
            content_type="text/plain",
        )
    return _back_to_thread(request, number, wa_id)
