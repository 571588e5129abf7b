"""A supervisor takes a conversation over in the browser: the agent who had it is told at once
and their composer goes; the supervisor answers from then on."""

from contactcenter.accounts.models import Role
from inbox.models import Conversation
from inbox.sandbox.services.inbound import send_inbound
from routing.models import AgentProfile
from tests.factories import PASSWORD
from tests.live_servers import wait_until

from .conftest import person, sign_in


def test_a_supervisor_takes_over_and_the_agent_sees_it_go(
    shop, asgi_server, celery_worker, new_page
):
    tenant, number = shop
    agent = person(tenant, "ana@shop.test", Role.AGENT)
    supervisor = person(tenant, "sam@shop.test", Role.SUPERVISOR)
    AgentProfile.objects.filter(user=agent).update(presence="available")
    send_inbound(number, wa_id="5511977775555", name="Maria", kind="text", text="Oi")
    wait_until(lambda: Conversation.objects.filter(tenant=tenant, assignee=agent).exists())
    conversation = Conversation.objects.get(tenant=tenant, assignee=agent)

    inbox = new_page("agent")
    sign_in(inbox, asgi_server, agent, PASSWORD, mfa=True)
    inbox.goto(f"{asgi_server}/inbox/?c={conversation.pk}")
    inbox.locator("body[data-hub-state=open]").wait_for()
    inbox.get_by_test_id("composer").wait_for()

    board = new_page("supervisor")
    sign_in(board, asgi_server, supervisor, PASSWORD, mfa=True)
    board.goto(f"{asgi_server}/inbox/?tab=all&c={conversation.pk}")
    assert board.get_by_test_id("composer").count() == 0  # Ana's to answer until taken over
    board.get_by_role("button", name="Take over").click()
    board.get_by_test_id("composer").wait_for()

    inbox.get_by_test_id("taken-over").wait_for()
    inbox.get_by_test_id("composer").wait_for(state="detached")
    wait_until(lambda: Conversation.objects.get(pk=conversation.pk).assignee_id == supervisor.pk)
