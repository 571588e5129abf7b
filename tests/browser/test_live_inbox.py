"""A shift in the browser, live: a customer writes through the sandbox, the message reaches the
available agent's inbox without a reload, the agent replies, and the customer's phone shows it
with its ticks; the supervisor's dashboard follows the queue."""

from contactcenter.accounts.models import Role
from inbox.models import Message
from inbox.sandbox.services.inbound import send_inbound
from routing.models import AgentProfile
from tests.factories import PASSWORD
from tests.live_servers import wait_until

from .conftest import person, sign_in


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
