"""Meta's webhook endpoint as a Django view (the lean ASGI route in contactcenter/asgi.py serves
the same service without Django's middleware under load)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from contactcenter.clientip import request_ip
from inbox.services import webhooks


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    if request.method == "GET":
        answer = webhooks.check_verification(request.GET)
    else:
        # Read, not `request.body`: Meta's 3 MB bodies exceed DATA_UPLOAD_MAX_MEMORY_SIZE, and
        # one byte over the limit is enough for accept_delivery to refuse it.
        raw = request.read(webhooks.MAX_BODY_BYTES + 1)
        answer = webhooks.accept_delivery(
            raw, request.headers.get("X-Hub-Signature-256"), client_ip=request_ip(request)
        )
    return HttpResponse(answer.text, status=answer.status, content_type="text/plain")
