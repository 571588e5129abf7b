"""Who hears a change of hands: the agent a supervisor takes a conversation from."""

import pytest
from asgiref.sync import sync_to_async

from contactcenter.accounts.models import Membership
from contactcenter.accounts.permissions import Principal
from routing.services.transfers import take_over_conversation
from tests.factories import ConversationFactory

from .hub import heard, opened

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_agent_hears_at_once_that_a_supervisor_took_the_conversation_over(
    cookies, alice, bob, tenant_a
):
    bobs = await sync_to_async(ConversationFactory)(tenant=tenant_a, assignee=bob, state="assigned")
    ws = await opened(cookies["bob@a.test"])

    def take_over():
        boss = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
        take_over_conversation(tenant_a, principal=boss, conversation=bobs)

    await sync_to_async(take_over)()
    pushed = [await heard(ws), await heard(ws)]

    taken = next(e for e in pushed if e and e["type"] == "taken_over")
    assert taken["data"]["from_agent"] == bob.pk and taken["assignee"] == alice.pk
    assert taken["actor"] == alice.pk
    await ws.disconnect()
