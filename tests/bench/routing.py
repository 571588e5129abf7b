"""Routing under load: 200 online agents, 5,000 conversations.

Measures "message stored" (the ingest service committed the customer's message) to "assignment
pushed to the agent's websocket group" (received on the channel layer, the hop the hub's socket
listens to), with a real Celery worker in another process doing the routing and assignment.
Each paced run prints the arrival rate it reached next to the one it asked for, and the CPU
each part of the pipeline used per conversation (so the capacity of this machine's cores).

Baselines in the same run: a Redis PING round trip, and a bare PostgreSQL
`SELECT … FOR UPDATE SKIP LOCKED` claim + UPDATE.
"""

import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
import time

import psycopg

from . import harness

AGENTS = 200
BURST = 5000
PACED_S = 20  # each rate is held this long, so a backlog that builds shows in its p99
PACED_RATES = (10, 20, 50)  # new conversations per second; the target is stated at 50/s
STORING_THREADS = 4
PHONE_NUMBER_ID = "900000000002"
SECRET = "bench-routing-secret"


def _setup():
    from contactcenter.accounts.models import Membership, Role, Tenant, User
    from inbox.models import Channel, Conversation, WebhookDelivery
    from routing.models import AgentProfile, Queue, QueueEntry

    tenant, _ = Tenant.objects.get_or_create(slug="bench-routing", defaults={"name": "Bench R"})
    Channel.objects.update_or_create(
        phone_number_id=PHONE_NUMBER_ID,
        defaults={
            "tenant": tenant,
            "name": "Bench R",
            "waba_id": "901",
            "display_phone_number": "15550000002",
            "app_secret": SECRET,
            "access_token": "bench",
            "verify_token": "bench-r",
        },
    )
    QueueEntry.objects.filter(tenant=tenant).delete()
    Conversation.objects.filter(tenant=tenant).delete()
    WebhookDelivery.objects.filter(tenant=tenant).delete()
    Queue.objects.get_or_create(tenant=tenant, name="General", defaults={"is_default": True})
    users = []
    for i in range(AGENTS):
        user, _ = User.objects.get_or_create(email=f"agent{i}@bench.test")
        membership, _ = Membership.objects.get_or_create(
            tenant=tenant, user=user, defaults={"role": Role.AGENT}
        )
        AgentProfile.objects.update_or_create(
            tenant=tenant,
            membership=membership,
            defaults={
                "user": user,
                "presence": "available",
                "max_total": 1000,
                "channel_capacity": {"whatsapp": 1000},
            },
        )
        users.append(user.pk)
    return tenant, users


def _deliveries(tenant, n: int, run: str) -> list[int]:
    """Stored webhook deliveries, one new customer each (what the receiver writes)."""
    from inbox.models import Channel, DeliveryState, WebhookDelivery

    channel_id = Channel.objects.get(phone_number_id=PHONE_NUMBER_ID).pk

    rows = []
    for i in range(n):
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "901",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550000002",
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                "contacts": [
                                    {"profile": {"name": f"C{i}"}, "wa_id": f"1{run[-6:]}{i:06d}"}
                                ],
                                "messages": [
                                    {
                                        "from": f"1{run[-6:]}{i:06d}",
                                        "id": f"wamid.r.{run}.{i}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": "hello"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        rows.append(
            WebhookDelivery(
                tenant=tenant,
                body=json.dumps(payload).encode(),
                signature="bench",
                signature_verified=True,
                signed_channel_ids=[channel_id],
                state=DeliveryState.PENDING,
            )
        )
    return [d.pk for d in WebhookDelivery.objects.bulk_create(rows)]


class Listener:
    """Joins every agent's group on the channel layer and notes when each assignment arrives."""

    def __init__(self, tenant_id: int, user_ids: list[int]):
        self.groups = [f"t{tenant_id}.agent.{u}" for u in user_ids]
        self.assigned_at: dict[int, float] = {}
        self.ready = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()
        self.ready.wait(30)

    async def _run(self):
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        channel = await layer.new_channel()
        for group in self.groups:
            await layer.group_add(group, channel)
        self.ready.set()
        while not self.stop:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
            except TimeoutError:
                continue
            for event in message["events"]:
                if event.get("type") == "assigned" and event.get("conversation"):
                    self.assigned_at.setdefault(event["conversation"], time.time())


def _store(ids: list[int], rate: float | None, *, threads: int = 1) -> dict[int, float]:
    """Applies deliveries as ingest workers do; delivery id → when its commit returned.

    Paced, delivery k is due at start + k/rate, shared round-robin among `threads` storing
    threads: one thread alone cannot keep 50/s on this machine (each delivery waits on
    PostgreSQL), and a pace that is not kept would be reported as a rate it never reached.
    """
    from django.db import connection

    from inbox.services.ingest import process_delivery

    stored: dict[int, float] = {}
    start = time.perf_counter()

    def work(part: int) -> None:
        try:
            for n in range(part, len(ids), threads):
                if rate:
                    delay = start + n / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                process_delivery(ids[n])
                stored[ids[n]] = time.time()
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(part,)) for part in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return stored


def _arrival_rate(stored: dict[int, float]) -> float:
    return (len(stored) - 1) / max(max(stored.values()) - min(stored.values()), 1e-9)


def _conversation_of(delivery_ids: list[int]) -> dict[int, int]:
    """delivery id → conversation id, read back after the run (one query)."""
    from inbox.models import Message, WebhookDelivery

    wamids = {}
    for d in WebhookDelivery.objects.filter(pk__in=delivery_ids).only("body"):
        item = json.loads(bytes(d.body))["entry"][0]["changes"][0]["value"]["messages"][0]
        wamids[item["id"]] = d.pk
    return {
        wamids[m["wamid"]]: m["conversation_id"]
        for m in Message.objects.filter(wamid__in=wamids).values("wamid", "conversation_id")
    }


def _latencies(stored, conversations, listener) -> tuple[list[float], int]:
    latencies = [
        listener.assigned_at[conversations[d]] - t
        for d, t in stored.items()
        if d in conversations and conversations[d] in listener.assigned_at
    ]
    return latencies, len(stored) - len(latencies)


def _wait_for(listener, expected: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while len(listener.assigned_at) < expected and time.monotonic() < deadline:
        time.sleep(0.2)


class CpuMeter:
    """CPU used per conversation by each part of the pipeline over one phase: where the time
    goes, and how many conversations per second this machine's cores could serve at most.
    Processes are looked up at both ends (pools open and close connections); one that ends
    within the phase takes its CPU with it, so a part can only be undercounted."""

    def __init__(self, worker_pid: int):
        self.worker_pid = worker_pid
        self.start = {part: self._cpu(pids) for part, pids in self._parts().items()}

    def _parts(self) -> dict[str, list[int]]:
        import redis

        with psycopg.connect(harness.BENCH_URL) as conn:
            postgres = [
                pid
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() OR datname IS NULL"
                )
            ]
        return {
            "ingest (this process)": [os.getpid()],
            "routing worker": harness.children_of(self.worker_pid),
            "Celery consumer": [self.worker_pid],
            "PostgreSQL": postgres,
            "Redis": [redis.Redis.from_url(harness.BENCH_REDIS).info("server")["process_id"]],
        }

    @staticmethod
    def _cpu(pids: list[int]) -> dict[int, float]:
        return {pid: cpu for pid in pids if (cpu := harness.cpu_seconds(pid)) is not None}

    def report(self, conversations: int) -> str:
        used = {}
        for part, pids in self._parts().items():
            before = self.start[part]
            now = self._cpu(pids)
            seconds = sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items())
            used[part] = seconds * 1000 / conversations
        total = sum(used.values())
        shares = ", ".join(f"{part} {ms:.1f}" for part, ms in used.items())
        cores = os.cpu_count() or 1
        return (
            f"  CPU per conversation (ms): {shares}; in all {total:.1f} ms, so {cores} cores "
            f"serve at most ~{cores * 1000 / total:.0f} conversations/s"
        )


def _redis_rtt() -> dict:
    import redis

    client = redis.Redis.from_url(harness.BENCH_REDIS)
    latencies = []
    start = time.perf_counter()
    for _ in range(2000):
        t = time.perf_counter()
        client.ping()
        latencies.append(time.perf_counter() - t)
    return harness.figures(latencies, time.perf_counter() - start)


def _skip_locked_claim() -> dict:
    with psycopg.connect(harness.BENCH_URL, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_claim")
        conn.execute("CREATE TABLE bench_claim (id bigserial primary key, state text)")
        conn.execute(
            "INSERT INTO bench_claim (state) SELECT 'waiting' FROM generate_series(1, 3000)"
        )
        conn.execute("CREATE INDEX ON bench_claim (id) WHERE state = 'waiting'")
    latencies = []
    with psycopg.connect(harness.BENCH_URL) as conn:
        start = time.perf_counter()
        for _ in range(2000):
            t = time.perf_counter()
            row = conn.execute(
                "SELECT id FROM bench_claim WHERE state='waiting' ORDER BY id LIMIT 1 "
                "FOR UPDATE SKIP LOCKED"
            ).fetchone()
            conn.execute("UPDATE bench_claim SET state='taken' WHERE id=%s", row)
            conn.commit()
            latencies.append(time.perf_counter() - t)
    return harness.figures(latencies, time.perf_counter() - start)


def run() -> None:
    harness.prepare_database()
    harness.setup_django()
    import redis

    redis.Redis.from_url(harness.BENCH_REDIS).flushdb()
    tenant, users = _setup()
    harness.vacuum()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "contactcenter",
            "worker",
            "-Q",
            "default,timers",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=harness.ROOT,
        env=harness.bench_env(),
    )
    listener = Listener(tenant.pk, users)
    try:
        time.sleep(3)  # the worker connects
        run_id = str(int(time.time()))
        # Warm-up (connections, first tasks), not measured.
        _store(_deliveries(tenant, 20, run_id + "w"), 20)
        _wait_for(listener, 20, 30)
        listener.assigned_at.clear()
        # This process holds Django, the listener and the storing threads: a full collection
        # walks all it has loaded (12-60 ms measured here) and stops every thread meanwhile,
        # late-stamping assignments. The Celery worker processes made no full collection in
        # a 20 s run; what this process loaded so far is set aside from the collector.
        gc.freeze()
        print(f"\nRouting, {AGENTS} agents online, new conversations for {PACED_S} s at each rate")
        for rate in PACED_RATES:
            listener.assigned_at.clear()
            count = rate * PACED_S
            paced_ids = _deliveries(tenant, count, f"{run_id}p{rate}")
            meter = CpuMeter(worker.pid)
            stored = _store(paced_ids, rate, threads=STORING_THREADS)
            _wait_for(listener, count, 120)
            cpu = meter.report(count)
            latencies, missing = _latencies(stored, _conversation_of(paced_ids), listener)
            paced = harness.figures(latencies, max(sum(latencies), 1e-9))
            print(
                f"  at {rate}/s (arrived at {_arrival_rate(stored):5.1f}/s)   stored → assignment "
                f"pushed p50 {paced['p50_ms']:7.2f} ms   p99 {paced['p99_ms']:7.2f} ms   "
                f"(not assigned in time: {missing})"
            )
            print(cpu)

        listener.assigned_at.clear()
        burst_ids = _deliveries(tenant, BURST, run_id + "b")
        start = time.time()
        stored = _store(burst_ids, None, threads=STORING_THREADS)
        _wait_for(listener, BURST, 300)
        elapsed = max(listener.assigned_at.values(), default=time.time()) - start
        latencies, missing = _latencies(stored, _conversation_of(burst_ids), listener)
        burst = harness.figures(latencies, elapsed)
        print(
            f"\nRouting, {BURST} conversations as fast as {STORING_THREADS} storing threads "
            f"store them (arrived at {_arrival_rate(stored):.0f}/s)"
        )
        print(
            f"  assignments  {len(latencies) / elapsed:9.0f} /s   stored → pushed p50 "
            f"{burst['p50_ms']:7.1f} ms   p99 {burst['p99_ms']:7.1f} ms   (missing: {missing})"
        )
    finally:
        listener.stop = True
        worker.terminate()
        worker.wait(timeout=30)
    rtt, claim = _redis_rtt(), _skip_locked_claim()
    print("\nBaselines in the same run")
    print(
        f"  Redis PING round trip            p50 {rtt['p50_ms']:7.3f} ms   "
        f"p99 {rtt['p99_ms']:7.3f} ms"
    )
    print(
        f"  PostgreSQL SKIP LOCKED claim     p50 {claim['p50_ms']:7.3f} ms   "
        f"p99 {claim['p99_ms']:7.3f} ms   ({claim['rate']:.0f} claims/s)"
    )
    print(
        f"  ratio: routing p99 at {rate}/s / claim p99 = {paced['p99_ms'] / claim['p99_ms']:.1f}x"
    )
    redis.Redis.from_url(harness.BENCH_REDIS).flushdb()
