"""A live ASGI server (uvicorn) and a real Celery worker, both in this process.

They use the test database that pytest-django created; the broker is the real Redis.
"""

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import uvicorn
from celery.contrib.testing.worker import start_worker

from contactcenter.celery import app as celery_app

WORKER_QUEUES = "default,ingest,send,timers,sandbox"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db, settings):
    """Serves contactcenter.asgi (HTTP and websockets) on a free port; yields its base URL."""
    from contactcenter.asgi import application

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = [base]
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)
    close_pooled_connections()


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker consuming every queue the product uses, on a thread pool."""
    # Leftovers of earlier tests must not run against this database.
    with celery_app.connection_for_write() as connection:
        for queue in WORKER_QUEUES.split(","):
            connection.default_channel.queue_purge(queue)
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        queues=WORKER_QUEUES.split(","),
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
    ) as worker:
        yield worker
    close_pooled_connections()


def allow_outbound(settings, *urls: str) -> None:
    """Lets the outbound guard reach these test servers on loopback (their ports only)."""
    endpoints = [urlsplit(url).netloc for url in urls]
    settings.OUTBOUND_ALLOWED_ENDPOINTS = [*settings.OUTBOUND_ALLOWED_ENDPOINTS, *endpoints]


def use_sandbox_at(settings, base: str) -> None:
    """The operator's settings for a sandbox served at `base`: the Graph API every channel
    talks to, where the sandbox posts its webhooks (our receiver there) and its media URLs."""
    settings.SANDBOX_PUBLIC_BASE = f"{base}/sandbox/graph"
    settings.GRAPH_API_BASE = settings.SANDBOX_PUBLIC_BASE
    settings.SANDBOX_WEBHOOK_URL = f"{base}/webhooks/whatsapp/"
    settings.MEDIA_ALLOWED_HOSTS = [*settings.MEDIA_ALLOWED_HOSTS, urlsplit(base).hostname]
    allow_outbound(settings, base)


def close_pooled_connections() -> None:
    """Connections threads took from the pool (a server's, a worker's, the last tests'), so the
    test database can be flushed and dropped."""
    from django.db import connections

    for connection in connections.all():
        if hasattr(connection, "close_pool"):
            connection.close_pool()


def wait_until(predicate, *, timeout_s: float = 20, what: str = "condition"):
    """Polls a database condition that a worker makes true (never a fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
