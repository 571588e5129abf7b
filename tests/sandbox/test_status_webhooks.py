"""Status webhooks: shape per reference §3, signed over the exact bytes, delivered to a real
HTTP receiver on loopback, retried on non-200, optionally shuffled and duplicated."""

import json

import pytest

from inbox.sandbox import tasks
from inbox.sandbox.models import SandboxMessage, SandboxWebhook
from inbox.sandbox.services.webhooks import SandboxDisabled, deliver_webhook, retry_delay_s

from .conftest import (
    APP_SECRET,
    BUSINESS_NUMBER,
    CUSTOMER,
    PHONE_NUMBER_ID,
    WABA_ID,
    is_signed,
    template_body,
)


def deliver_all(message: SandboxMessage) -> None:
    for webhook in SandboxWebhook.objects.filter(message=message).order_by("pk"):
        assert deliver_webhook(webhook.pk)


def statuses_of(receiver) -> list[dict]:
    return [
        p["entry"][0]["changes"][0]["value"]["statuses"][0]
        for p in receiver.payloads()
        if "statuses" in p["entry"][0]["changes"][0]["value"]
    ]


def test_sent_delivered_read_reach_the_receiver_signed_and_shaped(
    graph, customer_in_window, receiver
):
    receiver.requests.clear()
    _, body = graph.send(
        {
            "to": f"+{CUSTOMER}",
            "type": "text",
            "text": {"body": "Olá José"},
            "biz_opaque_callback_data": "ticket=9",
        }
    )
    wamid = body["messages"][0]["id"]
    message = SandboxMessage.objects.get(wamid=wamid)
    deliver_all(message)

    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert request["path"] == "/webhooks/whatsapp/"
        assert request["headers"]["Content-Type"] == "application/json"
        assert is_signed(request)
        assert not is_signed(request, "another-secret")
        # The exact bytes: compact separators, ASCII only.
        assert (
            request["raw"]
            == json.dumps(
                json.loads(request["raw"]), separators=(",", ":"), ensure_ascii=True
            ).encode()
        )
    payload = receiver.payloads()[0]
    assert payload["object"] == "whatsapp_business_account"
    entry = payload["entry"][0]
    assert entry["id"] == WABA_ID and "time" not in entry
    change = entry["changes"][0]
    assert change["field"] == "messages"
    assert change["value"]["messaging_product"] == "whatsapp"
    assert change["value"]["metadata"] == {
        "display_phone_number": BUSINESS_NUMBER,
        "phone_number_id": PHONE_NUMBER_ID,
    }
    statuses = statuses_of(receiver)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    for item in statuses:
        assert item["id"] == wamid
        assert item["recipient_id"] == CUSTOMER
        assert isinstance(item["timestamp"], str) and item["timestamp"].isdigit()
        assert item["biz_opaque_callback_data"] == "ticket=9"
    assert statuses[0]["pricing"] == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_customer_service",
        "category": "service",
    }
    assert "pricing" not in statuses[2]
    message.refresh_from_db()
    assert message.status == "read"
    assert [t["status"] for t in message.timeline] == ["accepted", "sent", "delivered", "read"]


def test_outside_the_window_the_receiver_gets_failed_131047(graph, receiver):
    _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "late"}})
    deliver_all(SandboxMessage.objects.get(wamid=body["messages"][0]["id"]))
    (status,) = statuses_of(receiver)
    assert status["status"] == "failed"
    assert status["id"] == body["messages"][0]["id"]
    (error,) = status["errors"]
    assert error["code"] == 131047
    assert error["title"] == error["message"] == "Re-engagement message"
    assert "24 hours" in error["error_data"]["details"]
    assert is_signed(receiver.requests[0])
    assert SandboxMessage.objects.get(wamid=status["id"]).status == "failed"


def test_template_statuses_are_priced_by_category(graph, order_template, receiver):
    _, body = graph.send(template_body())
    deliver_all(SandboxMessage.objects.get(wamid=body["messages"][0]["id"]))
    sent = statuses_of(receiver)[0]
    assert sent["status"] == "sent"
    assert sent["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "utility",
    }


def test_non_200_is_retried_and_the_same_bytes_are_sent_again(graph, customer_in_window, receiver):
    receiver.requests.clear()
    receiver.answers[:] = [500]
    _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    webhook = SandboxWebhook.objects.filter(message__wamid=body["messages"][0]["id"]).order_by(
        "pk"
    )[0]
    assert deliver_webhook(webhook.pk) is False
    webhook.refresh_from_db()
    assert (webhook.attempts, webhook.last_status_code, webhook.delivered_at) == (1, 500, None)
    assert deliver_webhook(webhook.pk) is True
    webhook.refresh_from_db()
    assert webhook.last_status_code == 200 and webhook.delivered_at is not None
    assert receiver.requests[0]["raw"] == receiver.requests[1]["raw"]
    # The status happened once, whatever the number of attempts.
    message = SandboxMessage.objects.get(wamid=body["messages"][0]["id"])
    assert [t["status"] for t in message.timeline] == ["accepted", "sent"]
    # A delivered webhook is not sent again.
    assert deliver_webhook(webhook.pk) is True
    assert len(receiver.requests) == 2


def test_the_task_retries_with_backoff_on_non_200(graph, customer_in_window, receiver):
    from celery.exceptions import Retry

    receiver.answers[:] = [503]
    _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    webhook = SandboxWebhook.objects.filter(message__wamid=body["messages"][0]["id"]).first()
    with pytest.raises(Retry):
        tasks.deliver_webhook.apply(args=(webhook.pk,), throw=True)
    assert retry_delay_s(0) == 2 and retry_delay_s(3) == 16
    assert retry_delay_s(30) == 600


def test_unreachable_receiver_is_recorded_not_raised(graph, customer_in_window, number):
    number.webhook_url = "http://127.0.0.1:9/nothing-here"
    number.save()
    _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    webhook = SandboxWebhook.objects.filter(message__wamid=body["messages"][0]["id"]).first()
    assert deliver_webhook(webhook.pk) is False
    webhook.refresh_from_db()
    assert webhook.last_status_code is None and "ConnectError" in webhook.last_error


def test_duplicates_resend_the_same_bytes(graph, customer_in_window, receiver, settings):
    settings.SANDBOX_DUPLICATE_STATUSES = 1.0
    receiver.requests.clear()
    _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    deliver_all(SandboxMessage.objects.get(wamid=body["messages"][0]["id"]))
    raws = [r["raw"] for r in receiver.requests]
    assert len(raws) == 6
    assert raws[0] == raws[1] and raws[2] == raws[3] and raws[4] == raws[5]
    assert all(is_signed(r) for r in receiver.requests)


def test_shuffled_statuses_never_downgrade_the_message(graph, customer_in_window, settings):
    settings.SANDBOX_SHUFFLE_STATUSES = True
    seen_orders = set()
    for attempt in range(12):
        _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": str(attempt)}})
        message = SandboxMessage.objects.get(wamid=body["messages"][0]["id"])
        deliver_all(message)
        message.refresh_from_db()
        seen_orders.add(tuple(t["status"] for t in message.timeline[1:]))
        assert message.status == "read"
    assert len(seen_orders) > 1  # 12 shuffles of 3 statuses all equal: p = (1/6)^11


def test_tasks_refuse_when_the_sandbox_is_off(graph, customer_in_window, settings, receiver):
    _, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    webhook = SandboxWebhook.objects.filter(message__wamid=body["messages"][0]["id"]).first()
    settings.SANDBOX_ENABLED = False
    receiver.requests.clear()
    with pytest.raises(SandboxDisabled):
        tasks.deliver_webhook.apply(args=(webhook.pk,), throw=True)
    assert receiver.requests == []


def test_signature_matches_the_reference_test_vector():
    from inbox.sandbox import transport

    raw = (
        b'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
        b'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
        b'"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jos\\u00e9"},'
        b'"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.TEST1",'
        b'"timestamp":"1750000000","type":"text","text":{"body":"Ol\\u00e1"}}]},"field":"messages"}]}]}'
    )
    assert len(raw) == 422
    assert transport.signature(raw, "test_app_secret") == (
        "sha256=ff9712eb4da8809a53268dff46453d9026af7008c9164b7cafece9a6ba51a67f"
    )
    assert APP_SECRET  # the fixtures sign with their own secret


def _two_sends(graph) -> tuple[list[SandboxWebhook], list[str]]:
    wamids = [
        graph.send({"to": CUSTOMER, "type": "text", "text": {"body": text}})[1]["messages"][0]["id"]
        for text in ("one", "two")
    ]
    webhooks = list(SandboxWebhook.objects.filter(message__wamid__in=wamids).order_by("pk"))
    return webhooks, wamids


def test_batching_sends_the_statuses_due_together_in_one_post(
    graph, customer_in_window, receiver, settings
):
    settings.SANDBOX_BATCH_STATUSES = True
    receiver.requests.clear()
    webhooks, wamids = _two_sends(graph)

    assert all(deliver_webhook(webhook.pk) for webhook in webhooks)

    assert len(receiver.requests) == 1 and is_signed(receiver.requests[0])
    statuses = receiver.payloads()[0]["entry"][0]["changes"][0]["value"]["statuses"]
    assert [(s["id"], s["status"]) for s in statuses] == [
        (wamid, status) for wamid in wamids for status in ("sent", "delivered", "read")
    ]
    assert not SandboxWebhook.objects.filter(
        pk__in=[w.pk for w in webhooks], delivered_at=None
    ).exists()
    for wamid in wamids:  # every status on its message's timeline, none overwritten
        timeline = SandboxMessage.objects.get(wamid=wamid).timeline
        assert [t["status"] for t in timeline] == ["accepted", "sent", "delivered", "read"]


def test_a_batch_that_fails_is_retried_whole(graph, customer_in_window, receiver, settings):
    settings.SANDBOX_BATCH_STATUSES = True
    receiver.requests.clear()
    receiver.answers[:] = [500]
    webhooks, _ = _two_sends(graph)
    leader, riders = webhooks[0], webhooks[1:]

    assert deliver_webhook(leader.pk) is False
    assert all(deliver_webhook(rider.pk) for rider in riders)  # they ride, not send
    assert len(receiver.requests) == 1
    assert (
        not SandboxWebhook.objects.filter(pk__in=[w.pk for w in webhooks])
        .exclude(delivered_at=None)
        .exists()
    )
    assert deliver_webhook(leader.pk) is True

    assert (
        len(receiver.requests) == 2 and receiver.requests[0]["raw"] == receiver.requests[1]["raw"]
    )
    assert not SandboxWebhook.objects.filter(
        pk__in=[w.pk for w in webhooks], delivered_at=None
    ).exists()
