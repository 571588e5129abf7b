"""Every length, format and range of the REST API's input is checked: a clear 400 in the error
envelope naming the field, never a 500 and never a silently ignored parameter."""

import pytest
from django.urls import reverse

from inbox.models import Message
from tests.factories import RoutingRuleFactory


def fields_of(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    return body["extra"]["fields"]


def test_an_over_long_reply_to_wamid_is_refused_and_nothing_is_queued(
    bob_client, open_conversation
):
    response = bob_client.post(
        reverse("api-conversation-messages", args=[open_conversation.pk]),
        {"text": "Hi", "reply_to_wamid": "w" * 256},
        content_type="application/json",
    )

    assert "reply_to_wamid" in fields_of(response)
    assert not Message.objects.filter(conversation=open_conversation).exists()


@pytest.mark.parametrize(
    "query, field",
    [
        ({"tab": "everything"}, "tab"),
        ({"state": "lost"}, "state"),
        ({"channel": "abc"}, "channel"),
        ({"channel": str(2**64)}, "channel"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_the_conversation_list_refuses_bad_filters(crm, query, field):
    response = crm.get(reverse("api-conversations"), query)

    assert field in fields_of(response)


def test_the_conversation_list_still_filters_by_a_valid_channel(crm, open_conversation):
    response = crm.get(reverse("api-conversations"), {"channel": open_conversation.channel_id})

    assert [c["id"] for c in response.json()["results"]] == [open_conversation.pk]


@pytest.mark.parametrize(
    "query, field", [({"actor": "me"}, "actor"), ({"action": "a" * 65}, "action")]
)
def test_the_audit_log_refuses_bad_filters(crm, query, field):
    assert field in fields_of(crm.get(reverse("api-audit-events"), query))


def test_rule_order_refuses_ids_past_the_bigint_range(crm, tenant_a):
    rule = RoutingRuleFactory(tenant=tenant_a)

    response = crm.post(
        reverse("api-routing-rule-reorder"),
        {"ids": [rule.pk, 2**64]},
        content_type="application/json",
    )

    assert "ids" in fields_of(response)
