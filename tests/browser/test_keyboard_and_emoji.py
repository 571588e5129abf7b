"""The inbox by keyboard, and the emoji picker: j/k move between conversations, r and n focus
the reply and the note, ? shows the shortcuts, keys typed in a field stay in the field."""

from datetime import timedelta

from django.utils import timezone

from contactcenter.accounts.models import Role
from inbox.models import Channel
from tests.factories import PASSWORD, ContactFactory, ConversationFactory

from .conftest import person, sign_in


def test_keyboard_navigation_and_emoji(shop, asgi_server, new_page):
    tenant, _ = shop
    agent = person(tenant, "ana@shop.test", Role.AGENT)
    channel = Channel.objects.get(tenant=tenant)
    now = timezone.now()
    older, newer = (
        ConversationFactory(
            tenant=tenant,
            channel=channel,
            contact=ContactFactory(tenant=tenant, name=name),
            assignee=agent,
            state="assigned",
            last_inbound_at=now - timedelta(minutes=5),
            last_message_at=now - timedelta(minutes=minutes),
        )
        for name, minutes in (("Older", 9), ("Newer", 1))
    )
    page = new_page("agent")
    sign_in(page, asgi_server, agent, PASSWORD, mfa=True)
    page.goto(f"{asgi_server}/inbox/")
    open_one = page.locator("#conversation article.conversation")

    page.keyboard.press("j")  # nothing open yet: the first of the list
    page.locator(f"#conversation article[data-conversation='{newer.pk}']").wait_for()
    page.keyboard.press("j")
    page.locator(f"#conversation article[data-conversation='{older.pk}']").wait_for()
    page.locator(f".conv-item.active[data-conversation='{older.pk}']").wait_for()
    page.keyboard.press("k")
    page.locator(f"#conversation article[data-conversation='{newer.pk}']").wait_for()

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-text"
    page.keyboard.type("just typing j and k")
    assert open_one.get_attribute("data-conversation") == str(newer.pk)  # stayed put
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") != "reply-text"

    page.keyboard.press("?")
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_hidden()

    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note-text"
    page.keyboard.press("Escape")

    # The emoji goes in at the caret, between the words.
    reply = page.locator("#reply-text")
    reply.fill("Thanks !")
    reply.evaluate("el => el.setSelectionRange(7, 7)")
    page.get_by_role("button", name="Emoji").click()
    page.locator("#emoji-panel [data-emoji='🙏']").click()
    assert reply.input_value() == "Thanks 🙏!"
    assert page.locator("#emoji-panel").is_hidden()
