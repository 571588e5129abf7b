"""A shift in the browser, live: a customer writes through the sandbox, the message reaches the
available agent's inbox without a reload, the agent replies, and the customer's phone shows it
with its ticks; the supervisor's dashboard follows the queue."""

import pytest

from contactcenter.accounts.models import Role
from inbox.channels.whatsapp.sandbox.services import ensure_sandbox_number, send_inbound
from inbox.models import Channel, Message
from routing.models import AgentProfile, Queue
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory, enrol_totp
from tests.live_servers import wait_until

from .conftest import sign_in

SECRET, TOKEN = "browser-app-secret", "browser-access-token"


@pytest.fixture
def shop(asgi_server, settings):
    settings.SANDBOX_WEBHOOK_URL = f"{asgi_server}/webhooks/whatsapp/"
    settings.SANDBOX_PUBLIC_BASE = f"{asgi_server}/sandbox/graph"
    settings.SANDBOX_STATUS_DELAY_S = 0.2
    tenant = TenantFactory(slug="shop", name="Shop")
    number = ensure_sandbox_number(
        phone_number_id="555000000000077",
        waba_id="555000000000076",
        app_secret=SECRET,
        access_token=TOKEN,
        verify_token="shop-verify",
        webhook_url=settings.SANDBOX_WEBHOOK_URL,
    )
    Channel.objects.create(
        tenant=tenant,
        name="Shop WhatsApp",
        waba_id=number.waba_id,
        phone_number_id=number.phone_number_id,
        display_phone_number=number.display_phone_number,
        app_secret=SECRET,
        access_token=TOKEN,
        verify_token="shop-verify",
        graph_api_base=settings.SANDBOX_PUBLIC_BASE,
    )
    Queue.objects.create(tenant=tenant, name="General", is_default=True)
    return tenant, number


def person(tenant, email, role):
    user = UserFactory(email=email, full_name=email.split("@")[0].title())
    membership = MembershipFactory(tenant=tenant, user=user, role=role)
    enrol_totp(user)
    AgentProfile.objects.create(
        tenant=tenant,
        membership=membership,
        user=user,
        presence="offline",
        channel_capacity={"whatsapp": 4},
        max_total=5,
    )
    return user


def test_a_customer_message_reaches_the_agent_live_and_the_reply_gets_its_ticks(
    shop, asgi_server, celery_worker, new_page
):
    tenant, number = shop
    agent = person(tenant, "ana@shop.test", Role.AGENT)
    tenant.require_mfa = True  # agents sign in with MFA here
    tenant.save()
    supervisor = person(tenant, "sam@shop.test", Role.ADMIN)

    inbox = new_page("agent")
    sign_in(inbox, asgi_server, agent, PASSWORD, mfa=True)
    inbox.goto(f"{asgi_server}/inbox/")
    inbox.select_option("#presence", "available")
    inbox.locator("body[data-hub-state=open]").wait_for()
    wait_until(lambda: AgentProfile.objects.get(user=agent).presence == "available")

    board = new_page("supervisor")
    sign_in(board, asgi_server, supervisor, PASSWORD, mfa=True)
    board.goto(f"{asgi_server}/dashboard/")
    board.locator("body[data-hub-state=open]").wait_for()

    send_inbound(
        number,
        wa_id="5511988887777",
        name="Bia <b>Lima</b>",
        kind="text",
        text="Meu pedido não chegou",
    )

    item = inbox.locator(".conv-item", has_text="Bia <b>Lima</b>")
    item.wait_for()  # appeared without a reload
    board.locator("[data-testid=agents]", has_text="1 / 5").wait_for()  # the load, live
    item.locator("a").click()
    inbox.get_by_test_id("thread").get_by_text("Meu pedido não chegou").wait_for()
    inbox.fill("#reply-text", "Oi Bia! Vou verificar agora.")
    inbox.get_by_role("button", name="Send", exact=True).click()

    inbox.locator(".msg.out .ticks-read").wait_for(timeout=20_000)  # sent → delivered → read
    reply = Message.objects.get(tenant=tenant, direction="out")
    assert reply.status == "read"

    phone = board.context.new_page()  # the admin's session opens the customer phone
    phone.goto(f"{asgi_server}/sandbox/phone/?number={number.phone_number_id}&wa_id=5511988887777")
    bubble = phone.locator(".bubble.theirs", has_text="Oi Bia! Vou verificar agora.")
    bubble.wait_for()
    assert bubble.locator(".status-read").count() == 1
