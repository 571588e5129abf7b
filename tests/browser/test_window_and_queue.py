"""The 24-hour window in the browser, and the supervisor's queue tile moving live."""

from datetime import timedelta

from django.utils import timezone

from contactcenter.accounts.models import Role
from inbox.models import Channel, Direction, Message
from routing.models import Queue
from templates_hsm.models import Template
from tests.factories import PASSWORD, ConversationFactory

from .conftest import person, sign_in


def test_a_closed_window_offers_only_approved_templates_and_sends_one(
    shop, asgi_server, celery_worker, new_page
):
    tenant, number = shop
    agent = person(tenant, "ana@shop.test", Role.AGENT)
    channel = Channel.objects.get(tenant=tenant)
    conversation = ConversationFactory(
        tenant=tenant,
        channel=channel,
        assignee=agent,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=30),
    )
    Template.objects.create(
        tenant=tenant,
        waba_id=channel.waba_id,
        name="order_update",
        language="pt_BR",
        status="APPROVED",
        body_text="Olá {{1}}! Seu pedido {{2}} foi atualizado.",
        body_param_count=2,
    )
    page = new_page("agent")
    sign_in(page, asgi_server, agent, PASSWORD, mfa=True)

    page.goto(f"{asgi_server}/inbox/?c={conversation.pk}")

    assert page.get_by_test_id("window").inner_text().startswith("More than 24 hours")
    assert page.get_by_test_id("composer").count() == 0
    page.get_by_label("order_update").check()
    values = page.locator("input[name^=param-]")
    values.nth(0).fill("Bia")
    values.nth(1).fill("4411")
    page.get_by_role("button", name="Send template").click()
    page.locator(".msg.out", has_text="order_update").wait_for()
    sent = Message.objects.get(conversation=conversation, direction=Direction.OUTBOUND)
    assert sent.kind == "template"


def test_the_supervisor_sees_a_customer_join_the_queue_live(
    shop, asgi_server, celery_worker, new_page
):
    from inbox.sandbox.services.inbound import send_inbound

    tenant, number = shop
    supervisor = person(tenant, "sam@shop.test", Role.SUPERVISOR)
    general = Queue.objects.get(tenant=tenant, name="General")
    board = new_page("supervisor")
    sign_in(board, asgi_server, supervisor, PASSWORD, mfa=True)
    board.goto(f"{asgi_server}/dashboard/")
    board.locator("body[data-hub-state=open]").wait_for()
    waiting = board.locator(f"tr[data-queue='{general.pk}'] .waiting")
    assert waiting.inner_text() == "0"

    send_inbound(number, wa_id="5511977776666", name="Caio", kind="text", text="Olá?")

    board.locator(f"tr[data-queue='{general.pk}'] .waiting", has_text="1").wait_for()
