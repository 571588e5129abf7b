"""The spine, for real: a customer writes through the sandbox Graph API, the webhook reaches our
receiver over HTTP, a Celery worker stores it; an agent replies, the worker sends it through the
sandbox, and the signed status webhooks come back until the message is read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter.accounts.models import Membership, Role
from contactcenter.accounts.permissions import Principal
from inbox.channels.whatsapp import outbound
from inbox.models import (
    Channel,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Direction,
    Message,
)
from inbox.sandbox.models import SandboxCustomer, SandboxMessage
from inbox.sandbox.services.inbound import send_inbound
from inbox.sandbox.services.numbers import ensure_sandbox_number
from inbox.sandbox.services.sends import PAIR_BURST, PAIR_INTERVAL
from inbox.services import sending
from tests.factories import ConversationFactory, MembershipFactory, TenantFactory, UserFactory
from tests.live_servers import use_sandbox_at, wait_until

pytestmark = pytest.mark.e2e

SECRET, TOKEN = "e2e-app-secret", "e2e-access-token"
PAIR_RETRY = timedelta(seconds=2)


@pytest.fixture
def live_channel(asgi_server, settings):
    use_sandbox_at(settings, asgi_server)
    settings.SANDBOX_STATUS_DELAY_S = 0.05
    settings.SANDBOX_SHUFFLE_STATUSES = True  # Meta does not promise order
    settings.SANDBOX_DUPLICATE_STATUSES = 0.5  # nor single delivery
    tenant = TenantFactory(slug="e2e", name="E2E")
    number = ensure_sandbox_number(
        phone_number_id="555000000000042",
        waba_id="555000000000041",
        app_secret=SECRET,
        access_token=TOKEN,
        verify_token="e2e-verify",
        webhook_url=settings.SANDBOX_WEBHOOK_URL,
    )
    channel = Channel.objects.create(
        tenant=tenant,
        name="E2E",
        waba_id=number.waba_id,
        phone_number_id=number.phone_number_id,
        display_phone_number=number.display_phone_number,
        app_secret=SECRET,
        access_token=TOKEN,
        verify_token="e2e-verify",
    )
    return number, channel


def test_customer_message_in_agent_reply_out_statuses_back(live_channel, celery_worker):
    number, channel = live_channel
    tenant = channel.tenant

    send_inbound(
        number, wa_id="5511999990001", name="Ana Souza", kind="text", text="Oi, meu pedido?"
    )

    message = wait_until(
        lambda: Message.objects.filter(tenant=tenant, direction=Direction.INBOUND).first(),
        what="the customer's message stored by the worker",
    )
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert message.text == "Oi, meu pedido?" and conversation.contact.name == "Ana Souza"
    assert conversation.is_within_window()
    types = set(
        ConversationEvent.objects.filter(conversation=conversation).values_list("type", flat=True)
    )
    assert {"conversation_opened", "message_received"} <= types

    agent = UserFactory(email="agent@e2e.test")
    membership = MembershipFactory(tenant=tenant, user=agent, role=Role.AGENT)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent, state="assigned")
    conversation.refresh_from_db()
    reply = sending.send_message(
        tenant,
        principal=Principal.for_membership(Membership.objects.get(pk=membership.pk)),
        conversation=conversation,
        content=outbound.text_content("Olá Ana! Já verifico."),
    )

    wait_until(
        lambda: Message.objects.get(pk=reply.pk).status == "read",
        what="sent → delivered → read statuses back through the receiver",
    )
    reply.refresh_from_db()
    assert reply.wamid.startswith("wamid.")
    seen_by_customer = SandboxMessage.objects.get(wamid=reply.wamid)
    assert seen_by_customer.body["text"]["body"] == "Olá Ana! Já verifico."
    statuses = list(
        ConversationEvent.objects.filter(conversation=conversation, type="status_changed")
        .order_by("pk")
        .values_list("data__status", flat=True)
    )
    assert statuses[-1] == "read" and "failed" not in statuses
    assert len(statuses) == len(set(statuses))  # duplicates delivered by the sandbox change nothing


def test_a_reply_refused_for_the_pair_rate_limit_waits_and_is_sent_once(live_channel):
    """Over HTTP to the sandbox; the test plays the sender task itself (no worker needed)."""
    number, channel = live_channel
    # Bia wrote a minute ago, then got a burst of 46 messages within a moment (reference §7.5).
    customer = SandboxCustomer.objects.create(
        number=number,
        wa_id="5511999990002",
        last_message_at=timezone.now() - timedelta(minutes=1),
        pair_tat=timezone.now() + PAIR_INTERVAL * PAIR_BURST,
    )
    agent = UserFactory(email="agent2@e2e.test")
    membership = MembershipFactory(tenant=channel.tenant, user=agent, role=Role.AGENT)
    conversation = ConversationFactory(
        tenant=channel.tenant,
        channel=channel,
        assignee=agent,
        state="assigned",
        last_inbound_at=customer.last_message_at,
    )
    ContactIdentity.objects.create(
        tenant=channel.tenant, contact=conversation.contact, kind="whatsapp", wa_id=customer.wa_id
    )
    reply = sending.send_message(
        channel.tenant,
        principal=Principal.for_membership(Membership.objects.get(pk=membership.pk)),
        conversation=conversation,
        content=outbound.text_content("Um momento"),
    )

    before = timezone.now()
    sending.deliver(reply.pk)

    reply.refresh_from_db()
    # Meta asks 4^X seconds, X = 0 on the first refusal: the retry is scheduled in the row.
    assert reply.status == "queued" and not reply.wamid
    assert before + timedelta(seconds=1) <= reply.next_attempt_at <= timezone.now() + PAIR_RETRY
    SandboxCustomer.objects.filter(pk=customer.pk).update(pair_tat=timezone.now())

    sending.deliver(reply.pk)
    reply.refresh_from_db()
    assert reply.status == "accepted" and reply.wamid.startswith("wamid.")
    assert SandboxMessage.objects.filter(customer=customer, direction="out").count() == 1
