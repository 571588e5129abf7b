"""The agent's tools in the browser: a saved reply picked with "/", a label, and a supervisor's
whisper popping up in the agent's inbox live."""

from contactcenter.accounts.models import Role
from inbox.models import CannedResponse, Conversation, Label, Message
from inbox.sandbox.services.inbound import send_inbound
from routing.models import AgentProfile
from tests.factories import PASSWORD
from tests.live_servers import wait_until

from .conftest import person, sign_in


def test_a_saved_reply_a_label_and_a_whisper(shop, asgi_server, celery_worker, new_page):
    tenant, number = shop
    agent = person(tenant, "ana@shop.test", Role.AGENT)
    supervisor = person(tenant, "sam@shop.test", Role.SUPERVISOR)
    # The customer writes first (the sandbox enforces the 24-hour window too); the available
    # agent gets the conversation.
    AgentProfile.objects.filter(user=agent).update(presence="available")
    send_inbound(number, wa_id="5511977776666", name="Maria <i>Silva</i>", kind="text", text="Oi")
    wait_until(lambda: Conversation.objects.filter(tenant=tenant, assignee=agent).exists())
    conversation = Conversation.objects.get(tenant=tenant, assignee=agent)
    CannedResponse.objects.create(
        tenant=tenant,
        shortcut="greet",
        title="Greeting",
        body="Hello {{ contact.first_name }}, this is {{ agent.first_name }}.",
    )
    CannedResponse.objects.create(tenant=tenant, shortcut="refund", title="Refund", body="Sorry!")
    Label.objects.create(tenant=tenant, name="Refund", color="red")

    inbox = new_page("agent")
    sign_in(inbox, asgi_server, agent, PASSWORD, mfa=True)
    inbox.goto(f"{asgi_server}/inbox/?c={conversation.pk}")
    inbox.locator("body[data-hub-state=open]").wait_for()

    # "/" lists the saved replies; typing narrows; Enter puts the filled-in text in place.
    inbox.locator("#reply-text").press_sequentially("Hi! /gr")
    menu = inbox.locator("#canned-menu")
    menu.get_by_role("option").first.wait_for()
    assert menu.get_by_role("option").count() == 1
    inbox.locator("#reply-text").press("Enter")
    assert menu.is_hidden()
    expected = "Hi! Hello Maria, this is Ana."
    assert inbox.locator("#reply-text").input_value() == expected
    inbox.locator("#reply-text").press("Control+Enter")
    inbox.locator(".msg.out", has_text=expected).wait_for()
    reply = Message.objects.get(conversation=conversation, direction="out")
    assert reply.text == expected
    wait_until(lambda: Message.objects.get(pk=reply.pk).status in ("sent", "delivered", "read"))

    # A label from the catalogue, shown as a chip on the conversation and in the list.
    inbox.select_option("#label-add", label="Refund")
    inbox.locator(".conv-header .label-chip.label-red", has_text="Refund").wait_for()
    inbox.locator(".conv-item .label-chip", has_text="Refund").wait_for()

    # The supervisor whispers; the agent's inbox pops it up without a reload.
    board = new_page("supervisor")
    sign_in(board, asgi_server, supervisor, PASSWORD, mfa=True)
    board.goto(f"{asgi_server}/inbox/?tab=all&c={conversation.pk}")
    board.fill("#note-text", "Offer the <b>refund</b>")
    board.get_by_label("Whisper to Ana").check()
    board.get_by_role("button", name="Add note").click()
    board.locator(".msg[data-kind=whisper]").wait_for()

    toast = inbox.get_by_test_id("whisper")
    toast.wait_for()
    assert "Offer the <b>refund</b>" in toast.inner_text()
