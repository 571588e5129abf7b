"""Prometheus metrics (prometheus_client): every definition is here, so a call site is one line.

Where each is measured:
- webhook intake (count by HTTP status, latency): `accept_delivery`, behind both the lean ASGI
  route and the Django view, in the web process;
- send outcomes: the send path (inbox/services/sending.py), in the `send` workers;
- routing latency: `route_conversation`, in the workers;
- websocket connections: the hub consumer, in the web process;
- processing lag and queue depths: read from PostgreSQL and Redis when /metrics is scraped.

Why multiprocess mode. Web and workers are separate processes, and a Celery worker is itself a
parent and its prefork children; a counter in one child's memory is invisible to whoever
serves /metrics. With PROMETHEUS_MULTIPROC_DIR set, every process writes its samples to small
mmap files there (an increment stays a memory write: the webhook intake is benchmarked), and
/metrics adds up every file: each process's own metrics, for every process on the host that
shares the directory (Procfile, or containers sharing a volume). Files are named by host and pid,
so containers sharing one volume never write the same file. A worker on a host without a web
process serves its own on WORKER_METRICS_PORT. Without the directory (development, tests),
/metrics shows the serving process only.

What is true at any instant and is already stored (the age of the oldest pending delivery, the
length of each Celery queue) is read at scrape time instead: right whichever process serves it,
and free between scrapes. Scrape-time collectors register with `register_scraped`; an app
above the foundation registers its own (inbox/metrics.py) rather than being imported here.
"""

import functools
import logging
import os
import socket
import time

from django.db import transaction
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def _process_identifier() -> str:
    # No "_": prometheus_client splits its file names on it.
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"


if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identifier)

WEBHOOK_DELIVERIES = Counter(
    "cc_webhook_deliveries",
    "Webhook POSTs from Meta answered, by HTTP status (200 stored; 401 bad signature; 429 "
    "orphans over their budget; 400/413 malformed or too large).",
    ["status"],
)
WEBHOOK_INTAKE_SECONDS = Histogram(
    "cc_webhook_intake_seconds",
    "Time to check and store one webhook delivery (signature, one INSERT, the wake-up).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SEND_OUTCOMES = Counter(
    "cc_message_sends",
    "Send attempts of outbound messages, by the status each left its message in: accepted, "
    "queued (to be retried), failed, unknown (may have reached WhatsApp; never resent).",
    ["status"],
)
ROUTING_SECONDS = Histogram(
    "cc_routing_seconds",
    "Time to route one conversation: its queue chosen, and offered to an agent if one is free.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
WEBSOCKETS = Gauge(
    "cc_websocket_connections",
    "Open hub websockets (one per browser tab).",
    multiprocess_mode="livesum",
)


def observe_webhook_intake(accept):
    """Decorates the receipt service (its answer has a `status`): its latency, and its answers
    by status; one that raised is counted as 500, the status the client then gets."""

    @functools.wraps(accept)
    def observed(*args, **kwargs):
        started = time.perf_counter()
        status = "500"
        try:
            answer = accept(*args, **kwargs)
            status = str(answer.status)
            return answer
        finally:
            WEBHOOK_INTAKE_SECONDS.observe(time.perf_counter() - started)
            WEBHOOK_DELIVERIES.labels(status).inc()

    return observed


def count_on_commit(counter: Counter, *labels: str, amount: float = 1) -> None:
    """Counts what the current transaction did once it commits: never for a rollback."""
    transaction.on_commit(lambda: counter.labels(*labels).inc(amount))


_SCRAPED = CollectorRegistry(auto_describe=False)


def register_scraped(collector) -> None:
    """A collector whose `collect()` reads stored state when /metrics is scraped; it yields
    nothing, and logs, when its store does not answer (the other metrics are still served)."""
    _SCRAPED.register(collector)


def render() -> tuple[bytes, str]:
    """The text exposition of /metrics."""
    if MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=MULTIPROC_DIR)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_SCRAPED), CONTENT_TYPE_LATEST


def forget_dead_processes() -> None:
    """At a web process's start: a process of this host that died without saying so (killed,
    crashed) leaves its live gauges' files, which would count its websockets for ever."""
    if not MULTIPROC_DIR:
        return
    prefix = _process_identifier().rsplit("-", 1)[0] + "-"
    for name in os.listdir(MULTIPROC_DIR):
        identifier = name.removesuffix(".db").rsplit("_", 1)[-1]
        if not name.startswith("gauge_live") or not identifier.startswith(prefix):
            continue
        pid = int(identifier.removeprefix(prefix))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(identifier, MULTIPROC_DIR)
        except PermissionError:
            pass  # alive, another user's


def serve_worker_metrics(port: int, address: str) -> None:
    """A Celery worker's own metrics (its prefork children's, from the shared directory) on a
    port of its own, for a worker on a host without a web process."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=MULTIPROC_DIR)
    start_http_server(port, addr=address, registry=registry)


class CeleryQueueLengths:
    """LLEN of each Celery queue on the Redis broker: the queues of CELERY_TASK_ROUTES and
    the default one. Kombu keeps a priority's messages under its own key: all are added."""

    PRIORITY_SEPARATOR = "\x06\x16"
    PRIORITY_STEPS = (0, 3, 6, 9)

    def collect(self):
        import redis
        from django.conf import settings

        queues = {settings.CELERY_TASK_DEFAULT_QUEUE} | {
            route["queue"] for route in settings.CELERY_TASK_ROUTES.values()
        }
        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://", "unix://")):
            return
        family = GaugeMetricFamily(
            "cc_celery_queue_length", "Messages waiting in each Celery queue.", labels=["queue"]
        )
        try:
            with redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as client:
                pipe = client.pipeline(transaction=False)
                for queue in sorted(queues):
                    for step in self.PRIORITY_STEPS:
                        pipe.llen(f"{queue}{self.PRIORITY_SEPARATOR}{step}" if step else queue)
                lengths = pipe.execute()
        except redis.RedisError:
            logger.warning("metrics: the broker does not answer", exc_info=True)
            return
        steps = len(self.PRIORITY_STEPS)
        for index, queue in enumerate(sorted(queues)):
            family.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
        yield family


register_scraped(CeleryQueueLengths())
