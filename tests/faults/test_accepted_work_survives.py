"""The fault harness: real Celery worker and beat processes against the test database and Redis,
with the broker's messages lost (Redis flushed) or a worker killed with SIGKILL mid-send.

Whatever happens to the broker or the workers, the relay (contactcenter/relay.py) finishes the
accepted work from PostgreSQL: every accepted delivery is processed exactly once, every queued
reply reaches the Graph API (a RemoteServer counting requests) at most once and is never left
queued: it ends accepted, failed or outcome unknown.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from contactcenter.accounts.models import Membership, Role
from contactcenter.accounts.permissions import Principal
from inbox.channels.whatsapp import outbound
from inbox.channels.whatsapp.signature import sign
from inbox.models import (
    ContactIdentity,
    ConversationEvent,
    DeliveryState,
    Direction,
    EventType,
    Message,
    MessageStatus,
    WebhookDelivery,
)
from inbox.services import ingest, sending
from inbox.services.webhooks import accept_delivery
from tests.factories import ChannelFactory, ConversationFactory, MembershipFactory, UserFactory
from tests.fake_graph import fake_graph  # noqa: F401 - fixture
from tests.inbox.fixtures import load, value_of, wire
from tests.live_servers import close_pooled_connections, wait_until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DELIVERIES, REPLIES = 12, 4
SETTLED = {MessageStatus.ACCEPTED, MessageStatus.FAILED, MessageStatus.UNKNOWN}


class Processes:
    """Celery processes of this test, each in its own process group (SIGKILL takes it whole)."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs, self.running = env, logs, []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "contactcenter", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(
            name,
            "worker",
            "--queues=default,ingest,send,timers",
            "--pool=threads",
            "--concurrency=4",
            f"--hostname={name}@faults",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        )

    def beat(self) -> subprocess.Popen:
        return self.start("beat", "beat", f"--schedule={self.logs / 'beat-schedule'}")

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process)


@pytest.fixture
def celery_processes(transactional_db, settings, fake_graph, tmp_path):  # noqa: F811
    settings.RELAY_REDRIVE_AFTER_S = 2  # here too: it dates the rows this process stores
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}"
        f"/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "GRAPH_API_BASE": django_settings.GRAPH_API_BASE,
        "OUTBOUND_ALLOWED_ENDPOINTS": ",".join(django_settings.OUTBOUND_ALLOWED_ENDPOINTS),
        "MEDIA_ROOT": str(tmp_path / "media"),
        # The relay's times shrunk so the harness runs in seconds.
        "RELAY_SWEEP_S": "0.5",
        "RELAY_REDRIVE_AFTER_S": str(settings.RELAY_REDRIVE_AFTER_S),
        "SEND_UNANSWERED_AFTER_S": "4",
    }
    _flush_broker()
    processes = Processes(env, tmp_path)
    yield processes
    processes.stop_all()
    _flush_broker()
    close_pooled_connections()


def _flush_broker() -> None:
    """FLUSHDB of the tests' Redis database: every queued Celery message is gone."""
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def channel(tenant_a):
    return ChannelFactory(tenant=tenant_a, app_secret="faults-app-secret")


def accept_deliveries(channel) -> None:
    """Meta's POSTs, each answered 200 once its row is committed (its wake-up is queued)."""
    for n in range(DELIVERIES):
        payload = load("text")
        value = value_of(payload)
        value["metadata"]["phone_number_id"] = channel.phone_number_id
        wa_id = f"55119{n:08d}"
        value["contacts"] = [{"profile": {"name": f"Customer {n}"}, "wa_id": wa_id}]
        value["messages"][0].update({"from": wa_id, "id": f"wamid.faults-{n}"})
        raw = wire(payload)
        assert accept_delivery(raw, sign(raw, channel.app_secret)).status == 200


def queue_replies(channel) -> list[Message]:
    agent = UserFactory(email="agent@faults.test")
    membership = MembershipFactory(tenant=channel.tenant, user=agent, role=Role.AGENT)
    principal = Principal.for_membership(Membership.objects.get(pk=membership.pk))
    replies = []
    for n in range(REPLIES):
        conversation = ConversationFactory(
            tenant=channel.tenant,
            channel=channel,
            assignee=agent,
            state="assigned",
            last_inbound_at=timezone.now() - timedelta(minutes=1),
        )
        ContactIdentity.objects.create(
            tenant=channel.tenant,
            contact=conversation.contact,
            kind="whatsapp",
            wa_id=f"55219{n:08d}",
        )
        content = outbound.text_content(f"Reply {n}")
        replies.append(
            sending.send_message(
                channel.tenant, principal=principal, conversation=conversation, content=content
            )
        )
    return replies


def all_done(replies: list[Message]) -> bool:
    pending = WebhookDelivery.objects.filter(state=DeliveryState.PENDING).exists()
    statuses = set(
        Message.objects.filter(pk__in=[r.pk for r in replies]).values_list("status", flat=True)
    )
    return not pending and statuses <= SETTLED


def assert_each_delivery_processed_once(channel) -> None:
    deliveries = WebhookDelivery.objects.filter(tenant=channel.tenant)
    assert deliveries.count() == DELIVERIES
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.PROCESSED}
    inbound = Message.objects.filter(tenant=channel.tenant, direction=Direction.INBOUND)
    assert sorted(inbound.values_list("wamid", flat=True)) == sorted(
        f"wamid.faults-{n}" for n in range(DELIVERIES)
    )
    received = ConversationEvent.objects.filter(
        tenant=channel.tenant, type=EventType.MESSAGE_RECEIVED
    )
    assert received.count() == DELIVERIES


def sends(fake_graph, reply: Message) -> int:  # noqa: F811
    return fake_graph.sends_by_tag()[f"{ingest.CALLBACK_TAG_PREFIX}{reply.pk}"]


def test_work_accepted_before_redis_was_flushed_is_done_once(
    celery_processes,
    channel,
    fake_graph,  # noqa: F811
):
    accept_deliveries(channel)
    replies = queue_replies(channel)
    _flush_broker()  # Redis lost every wake-up between accept and processing

    celery_processes.worker("worker")
    celery_processes.beat()

    wait_until(lambda: all_done(replies), timeout_s=45, what="the relay to finish the work")
    assert_each_delivery_processed_once(channel)
    for reply in replies:
        reply.refresh_from_db()
        assert reply.status == MessageStatus.ACCEPTED and sends(fake_graph, reply) == 1


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    celery_processes,
    channel,
    fake_graph,  # noqa: F811
):
    fake_graph.mode, fake_graph.delay_s = "slow", 6.0  # Meta takes its time to answer
    first = celery_processes.worker("first")
    celery_processes.beat()
    accept_deliveries(channel)
    replies = queue_replies(channel)
    wait_until(
        lambda: sum(fake_graph.sends_by_tag().values()) > 0, timeout_s=45, what="a send in flight"
    )

    celery_processes.kill(first)  # SIGKILL: no ack, no clean-up, its messages in limbo
    in_flight = set(fake_graph.sends_by_tag())
    # Claimed by the dead worker: its request may or may not have left (no answer came back);
    # on a slow machine the relay may already have given one up as unknown.
    claimed = set(
        Message.objects.filter(
            pk__in=[r.pk for r in replies],
            status__in=[MessageStatus.SENDING, MessageStatus.UNKNOWN],
        ).values_list("pk", flat=True)
    )
    assert in_flight <= {f"{ingest.CALLBACK_TAG_PREFIX}{pk}" for pk in claimed}
    fake_graph.mode = "accept"
    celery_processes.worker("second")

    wait_until(lambda: all_done(replies), timeout_s=45, what="the relay to finish the work")
    time.sleep(1)  # a late duplicate send would land now
    assert_each_delivery_processed_once(channel)
    for reply in replies:
        reply.refresh_from_db()
        assert sends(fake_graph, reply) <= 1, "a send that may have reached Meta was repeated"
        if reply.pk in claimed:
            assert reply.status == MessageStatus.UNKNOWN  # Meta may have it: not resent
        else:
            assert reply.status == MessageStatus.ACCEPTED and sends(fake_graph, reply) == 1
