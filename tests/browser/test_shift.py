"""A shift's work end to end in the browser: two agents go available, one receives a customer,
transfers to the other with a note, who resolves; the customer rates the service with a tap
and the supervisor's dashboard shows it."""

from contactcenter.accounts.models import Role
from inbox.models import Conversation
from inbox.sandbox.services.inbound import send_inbound
from routing.models import AgentProfile
from tests.factories import PASSWORD
from tests.live_servers import wait_until

from .conftest import person, sign_in


def go_available(page, base, user):
    sign_in(page, base, user, PASSWORD, mfa=True)
    page.goto(f"{base}/inbox/")
    page.locator("body[data-hub-state=open]").wait_for()
    page.select_option("#presence", "available")
    wait_until(lambda: AgentProfile.objects.get(user=user).presence == "available")


def test_receive_transfer_resolve_and_rate(shop, asgi_server, celery_worker, new_page):
    tenant, number = shop
    tenant.csat_survey = True
    tenant.save()
    ana = person(tenant, "ana@shop.test", Role.AGENT)
    bruno = person(tenant, "bruno@shop.test", Role.AGENT)
    sam = person(tenant, "sam@shop.test", Role.ADMIN)  # the sandbox phone is for admins
    first, second = new_page("ana"), new_page("bruno")
    go_available(first, asgi_server, ana)

    send_inbound(
        number, wa_id="5511966665555", name="Rita", kind="text", text="Minha fatura veio errada"
    )
    first.locator(".conv-item", has_text="Rita").locator("a").click()
    first.get_by_test_id("thread").get_by_text("Minha fatura veio errada").wait_for()
    first.fill("#reply-text", "Oi Rita, vou passar para o Bruno, do financeiro.")
    first.get_by_role("button", name="Send", exact=True).click()
    first.locator(".msg.out", has_text="vou passar").wait_for()

    go_available(second, asgi_server, bruno)
    first.locator(".conv-item", has_text="Rita").locator("a").click()  # fresh list of colleagues
    first.select_option("#transfer-agent", str(AgentProfile.objects.get(user=bruno).pk))
    first.fill("#transfer-note", "Cobrança duplicada em outubro")
    first.get_by_role("button", name="Transfer").click()

    # Bruno gets it live, with the note in the thread, and resolves it.
    item = second.locator(".conv-item", has_text="Rita")
    item.wait_for()
    item.locator("a").click()
    second.get_by_test_id("thread").get_by_text("Cobrança duplicada em outubro").wait_for()
    conversation = Conversation.objects.get(tenant=tenant)
    assert conversation.assignee == bruno
    second.get_by_role("button", name="Resolve").click()
    wait_until(lambda: Conversation.objects.get(pk=conversation.pk).state == "resolved")

    # The survey reaches the customer's phone in their language (detected: Portuguese);
    # the tap is counted on the supervisor's board.
    board = new_page("supervisor")
    sign_in(board, asgi_server, sam, PASSWORD, mfa=True)
    phone = board.context.new_page()
    phone.goto(f"{asgi_server}/sandbox/phone/?number={number.phone_number_id}&wa_id=5511966665555")
    phone.locator(".bubble.theirs", has_text="Como você avalia nosso atendimento hoje?").wait_for()
    send_inbound(
        number, wa_id="5511966665555", kind="button_reply", reply_id="csat:5", title="Great"
    )
    wait_until(lambda: conversation.events.filter(type="csat_received").exists())
    board.goto(f"{asgi_server}/dashboard/")
    assert board.get_by_test_id("csat").locator(".figure").inner_text() == "100%"
    assert Conversation.objects.get(pk=conversation.pk).state == "resolved"
