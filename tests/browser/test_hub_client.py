"""The tab's hub client (hub.js) on the live server: pushes lost while Redis forgot the
socket's groups reach the page once the socket has joined them again, through the gap they
leave in `seq`."""

import time

from contactcenter.accounts.models import Role
from tests.factories import PASSWORD, ConversationFactory
from tests.realtime.hub import emit, flush_channel_layer, seq_of

from .conftest import person, sign_in

LISTEN = "() => { window.heard = []; document.addEventListener('hub:event', (e) => window.heard.push(e.detail.seq)); }"  # noqa: E501


def test_a_tab_that_lost_pushes_catches_up_on_the_gap(shop, asgi_server, new_page, settings):
    settings.HUB_RECHECK_S = 0.5
    tenant, _ = shop
    agent = person(tenant, "ana@shop.test", Role.AGENT)
    conversation = ConversationFactory(tenant=tenant, assignee=agent, state="assigned")
    page = new_page("agent")
    sign_in(page, asgi_server, agent, PASSWORD, mfa=True)
    page.goto(f"{asgi_server}/inbox/")
    page.locator("body[data-hub-state=open]").wait_for()
    page.evaluate(LISTEN)
    live = seq_of(emit(conversation))
    page.wait_for_function("(seq) => window.heard.includes(seq)", arg=live)

    flush_channel_layer()  # a Redis restart: the socket's groups are gone
    lost = seq_of(emit(conversation))
    deadline = time.monotonic() + 10
    while not page.evaluate("(seq) => window.heard.some((s) => s > seq)", lost):
        assert time.monotonic() < deadline, "no push reached the tab after the flush"
        emit(conversation)  # heard once the socket has joined its groups again
        page.wait_for_timeout(300)

    page.wait_for_function("(seq) => window.heard.includes(seq)", arg=lost)
    assert page.evaluate("() => window.heard.length") == len(
        set(page.evaluate("() => window.heard"))
    )
