"""A lean ASGI route for Meta's webhook POSTs, in front of Django.

Meta may deliver up to ~1,000 msg/s per number; Django's full request cycle with its sync
middleware serves a fraction of that on 2 cores (../shared/PERFORMANCE.md). The work here is
the same service the Django view calls (signature check + one INSERT + enqueue); only the
middleware, which this path does not need (no session, no CSRF, no user), is skipped.
"""

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from contactcenter import metrics
from contactcenter.clientip import scope_ip
from contactcenter.logs import current_request_id, request_id_from
from inbox.services.webhooks import MAX_BODY_BYTES, Answer, accept_delivery

WEBHOOK_PATH = "/webhooks/whatsapp/"
TOO_LARGE = object()


def _accept(body: bytes, signature: str | None, client_ip: str | None) -> Answer:
    close_old_connections()
    try:
        return accept_delivery(body, signature, client_ip=client_ip)
    finally:
        # Hand the connection back to the pool, as Django's request_finished would.
        connections.close_all()


async def _read_body(receive) -> bytes | object | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return TOO_LARGE  # stop reading, answer 413
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send, answer: Answer) -> None:
    body = answer.text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", current_request_id.get().encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _serve(scope, receive, send, headers: dict) -> None:
    body = await _read_body(receive)
    if body is None:
        return
    if body is TOO_LARGE:
        metrics.WEBHOOK_DELIVERIES.labels("413").inc()  # refused before accept_delivery
        return await _respond(send, Answer(413, "Body over 3 MB."))
    signature = headers.get(b"x-hub-signature-256")
    answer = await sync_to_async(_accept, thread_sensitive=False)(
        body, signature.decode("latin-1") if signature else None, scope_ip(scope)
    )
    await _respond(send, answer)


def lean_webhooks(django_app):
    """Wraps the Django ASGI app: POST /webhooks/whatsapp/ is served here, the rest by Django."""

    async def app(scope, receive, send):
        if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH or scope["method"] != "POST":
            return await django_app(scope, receive, send)
        headers = dict(scope["headers"])
        # As request_id_middleware does for the requests Django serves.
        token = current_request_id.set(request_id_from(headers.get(b"x-request-id")))
        try:
            await _serve(scope, receive, send, headers)
        finally:
            current_request_id.reset(token)

    return app
