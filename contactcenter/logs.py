"""Structured logs: each line of a web request names its request id, of a Celery task its task id.

The ids live in context variables, set by `request_id_middleware` (and the lean webhook route,
contactcenter/webhook_asgi.py) and by the Celery signals connected in contactcenter/celery.py;
`ContextFilter`, on the one console handler of settings.LOGGING, copies them onto every
record, whichever logger wrote it. Context variables follow a request into the threads that
asgiref runs its sync code in, and stay apart between concurrent requests.

The format is JSON in production (python-json-logger: one object a line, for a log
collector) and a human line in development; LOG_FORMAT chooses.
"""

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar, Token

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware

REQUEST_ID_HEADER = "X-Request-ID"
# A request id sent by a proxy is kept only if it cannot forge a log line or bloat one.
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
current_task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
_task_tokens: dict[str, Token] = {}


def request_id_from(sent: str | bytes | None) -> str:
    """The id the client (or its proxy) sent, if acceptable; else a new one."""
    if isinstance(sent, bytes):
        sent = sent.decode("latin-1")
    return sent if sent and _ACCEPTED_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        return True


class HumanFormatter(logging.Formatter):
    """`time LEVEL logger [request=… task=…]: message`, the ids only when there are any."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        ids = [
            f"{label}={value}"
            for label, value in (
                ("request", getattr(record, "request_id", None)),
                ("task", getattr(record, "task_id", None)),
            )
            if value
        ]
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().formatMessage(record)


@sync_and_async_middleware
def request_id_middleware(get_response):
    """First in MIDDLEWARE: every log line of the request carries its id, and so does the
    response (X-Request-ID), for the person reporting a problem.

    The id is not unset on the way out: Django logs a 4xx/5xx ("Not Found: ...") after the
    middleware has returned. `forget_request_id` unsets it when the request is finished.
    """

    def bind(request) -> str:
        rid = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        current_request_id.set(rid)
        return rid

    if iscoroutinefunction(get_response):

        async def middleware(request):
            rid = bind(request)
            response = await get_response(request)
            response[REQUEST_ID_HEADER] = rid
            return response

    else:

        def middleware(request):
            rid = bind(request)
            response = get_response(request)
            response[REQUEST_ID_HEADER] = rid
            return response

    return middleware


def forget_request_id(**kwargs) -> None:
    """Django's request_finished: a thread serving one request after another (WSGI, the test
    client) does not lend an id to lines logged between them. Under ASGI each request runs in
    a task of its own, whose context ends with it."""
    current_request_id.set(None)


def bind_task(task_id: str | None = None, **kwargs) -> None:
    """Celery's task_prerun."""
    if task_id:
        _task_tokens[task_id] = current_task_id.set(task_id)


def unbind_task(task_id: str | None = None, **kwargs) -> None:
    """Celery's task_postrun (sent also when the task raised)."""
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        current_task_id.reset(token)


def configure_worker_logging(**kwargs) -> None:
    """Celery's setup_logging: a receiver keeps Celery from replacing the root logger's
    handlers with its own format; the worker logs through settings.LOGGING like the web."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
