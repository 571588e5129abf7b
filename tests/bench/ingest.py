"""Webhook intake and processing, each next to a baseline measured in the same run.

1. Intake: signed POSTs to /webhooks/whatsapp/ on uvicorn (the lean ASGI route: signature check,
   one INSERT, enqueue) vs a bare ASGI handler doing HMAC + one INSERT.
2. Processing: stored deliveries applied by the ingest service (contact, conversation, message,
   event) vs bare single-row INSERT transactions.
"""

import json
import time

import psycopg

from . import harness

N_REQUESTS = 3000
N_PROCESS = 1000
SECRET = "bench-secret"
PHONE_NUMBER_ID = "900000000001"


def _bodies(n: int, *, run: str) -> list[tuple[bytes, dict]]:
    from inbox.channels.whatsapp.signature import sign

    bodies = []
    for i in range(n):
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "900",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550000000",
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                "contacts": [
                                    {
                                        "profile": {"name": f"Customer {i % 500}"},
                                        "wa_id": f"1555{i % 500:07d}",
                                    }
                                ],
                                "messages": [
                                    {
                                        "from": f"1555{i % 500:07d}",
                                        "id": f"wamid.bench.{run}.{i}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": f"message {i}"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        bodies.append(
            (raw, {"X-Hub-Signature-256": sign(raw, SECRET), "Content-Type": "application/json"})
        )
    return bodies


def _channel():
    from contactcenter.accounts.models import Tenant
    from inbox.models import Channel, Conversation, WebhookDelivery

    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    channel, _ = Channel.objects.update_or_create(
        phone_number_id=PHONE_NUMBER_ID,
        defaults={
            "tenant": tenant,
            "name": "Bench",
            "waba_id": "900",
            "display_phone_number": "15550000000",
            "app_secret": SECRET,
            "access_token": "bench",
            "verify_token": "bench",
        },
    )
    WebhookDelivery.objects.all().delete()
    Conversation.objects.filter(tenant=tenant).delete()
    return channel


def _process_pending(limit: int) -> dict:
    from inbox.models import DeliveryState, WebhookDelivery
    from inbox.services.ingest import process_delivery

    ids = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    latencies = []
    start = time.perf_counter()
    for delivery_id in ids:
        t = time.perf_counter()
        process_delivery(delivery_id)
        latencies.append(time.perf_counter() - t)
    return harness.figures(latencies, time.perf_counter() - start)


def _baseline_inserts(n: int) -> dict:
    latencies = []
    with psycopg.connect(harness.BENCH_URL) as conn:
        start = time.perf_counter()
        for i in range(n):
            t = time.perf_counter()
            conn.execute(
                "INSERT INTO bench_baseline (body) VALUES (%s)", (b"x" * 64 + bytes([i % 256]),)
            )
            conn.commit()
            latencies.append(time.perf_counter() - t)
    return harness.figures(latencies, time.perf_counter() - start)


def run() -> None:
    harness.prepare_database()
    harness.setup_django()
    _channel()
    harness.vacuum()
    run_id = str(int(time.time()))
    ours_bodies = _bodies(N_REQUESTS, run=run_id)
    with harness.uvicorn_server("contactcenter.asgi:application") as base:
        ours = harness.closed_loop(f"{base}/webhooks/whatsapp/", ours_bodies)
    with harness.uvicorn_server("tests.bench.baseline_asgi:app", lifespan="on") as base:
        baseline = harness.closed_loop(f"{base}/", ours_bodies)
    harness.report(
        f"Webhook intake, {N_REQUESTS} signed POSTs, 32 concurrent clients", ours, baseline
    )

    processed = _process_pending(N_PROCESS)
    inserts = _baseline_inserts(N_PROCESS)
    harness.report(
        f"Processing {N_PROCESS} stored deliveries (one message each), one worker",
        processed,
        inserts,
        unit="msg/s",
    )
    import redis

    redis.Redis.from_url(harness.BENCH_REDIS).flushdb()
