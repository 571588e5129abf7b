"""Health probes, answered before any middleware that checks the scheme or the host.

A kubelet or a Docker HEALTHCHECK calls the container by its IP over plain HTTP: the
production profile's SecurityMiddleware would redirect it to HTTPS, and CommonMiddleware would
refuse its Host (not in ALLOWED_HOSTS) with a 400. `probe_middleware` comes first in
MIDDLEWARE, answers its few paths and never calls `request.get_host()`; every other request
goes on unchanged, through the same checks as before. Under ASGI (contactcenter/asgi.py) these
paths reach Django like any page: only Meta's webhook POST is served in front of it.

- `/healthz` (liveness): the process answers. It touches nothing, so a slow database never
  gets a healthy web process restarted.
- `/readyz` (readiness): the database and Redis answer and every migration is applied; 503
  with which check failed otherwise. Traffic waits while a rolling deploy's migrations run.
- `/metrics` (Prometheus, contactcenter/metrics.py): with METRICS_TOKEN as a bearer token; not
  served at all (a 404 like any unknown path) while METRICS_TOKEN is unset. Prometheus scrapes
  a target by its address too, hence here.
"""

import hmac
import logging
import time
from collections.abc import Callable
from functools import cache

import redis
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import sync_and_async_middleware

logger = logging.getLogger(__name__)

# A process whose migrations were all applied rechecks at most this often: a probe every few
# seconds would otherwise load the migration graph each time. Unapplied ones are rechecked on
# every probe, so readiness follows `migrate` at once.
MIGRATIONS_RECHECK_S = 60.0
REDIS_TIMEOUT_S = 2.0

_migrations_applied_at: float | None = None


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    checks = check_readiness()
    is_ready = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if is_ready else "unavailable", "checks": checks},
        status=200 if is_ready else 503,
    )


def check_readiness(*, now: float | None = None) -> dict[str, str]:
    """Each check's result: "ok", or what is wrong (the details go to the log)."""
    checks = {"database": _check_database()}
    checks["migrations"] = (
        _check_migrations(time.monotonic() if now is None else now)
        if checks["database"] == "ok"
        else "not checked"
    )
    checks["redis"] = _check_redis()
    return checks


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means not ready; the probe must answer, not raise
        logger.warning("readiness: the database does not answer", exc_info=True)
        return "unreachable"
    return "ok"


def _check_migrations(now: float) -> str:
    global _migrations_applied_at
    if _migrations_applied_at is not None and 0 <= now - _migrations_applied_at < (
        MIGRATIONS_RECHECK_S
    ):
        return "ok"
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        logger.warning(
            "readiness: %d migrations not applied, first %s", len(unapplied), unapplied[0][0]
        )
        return f"{len(unapplied)} unapplied"
    _migrations_applied_at = now
    return "ok"


def _check_redis() -> str:
    """The cache, the channel layer and the Celery broker (when it is another Redis)."""
    urls = {settings.REDIS_URL, settings.CELERY_BROKER_URL}
    for url in sorted(u for u in urls if u.startswith(("redis://", "rediss://", "unix://"))):
        try:
            _redis_client(url).ping()
        except redis.RedisError:
            logger.warning("readiness: Redis does not answer", exc_info=True)
            return "unreachable"
    return "ok"


@cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )


def metrics(request: HttpRequest) -> HttpResponse:
    from contactcenter.metrics import render

    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected):
        response = HttpResponse("Send Authorization: Bearer <METRICS_TOKEN>.", status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    body, content_type = render()
    return HttpResponse(body, content_type=content_type)


def _probe_for(request: HttpRequest) -> Callable[[HttpRequest], HttpResponse] | None:
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path_info
    if path == "/healthz":
        return healthz
    if path == "/readyz":
        return readyz
    if path == "/metrics" and settings.METRICS_TOKEN:
        return metrics
    return None


@sync_and_async_middleware
def probe_middleware(get_response):
    """First in MIDDLEWARE: see the module docstring."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            probe = _probe_for(request)
            if probe is None:
                return await get_response(request)
            if probe is healthz:
                return healthz(request)
            # Like a sync view: the database connection is handed back when the response closes.
            return await sync_to_async(probe)(request)

    else:

        def middleware(request):
            probe = _probe_for(request)
            return get_response(request) if probe is None else probe(request)

    return middleware
