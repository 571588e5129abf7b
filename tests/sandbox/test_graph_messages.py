"""POST /{ver}/{phone_number_id}/messages: auth, validation codes, answer and side effects."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from inbox.sandbox.models import (
    SandboxMessage,
    SandboxTemplate,
    SandboxWebhook,
    TemplateStatus,
)

from .conftest import CUSTOMER, PHONE_NUMBER_ID, Graph, template_body


def error_code(status_and_body) -> int:
    return status_and_body[1]["error"]["code"]


def test_missing_token_is_refused_with_190(number):
    status, body = Graph(token="").send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    assert status == 401
    assert body["error"]["code"] == 190
    assert body["error"]["type"] == "OAuthException"


def test_wrong_token_is_refused_with_190(number):
    status, body = Graph(token="nope").send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    assert (status, body["error"]["code"]) == (401, 190)
    assert not SandboxMessage.objects.exists()


def test_token_of_another_number_cannot_send_for_this_one(number):
    graph = Graph()
    status, body = graph.post("/999999999/messages", {"messaging_product": "whatsapp"})
    assert (status, body["error"]["code"]) == (400, 100)


def test_valid_text_returns_a_wamid_and_schedules_three_statuses(
    graph, customer_in_window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        status, body = graph.send({"to": f"+{CUSTOMER}", "type": "text", "text": {"body": "Olá"}})
    assert status == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": f"+{CUSTOMER}", "wa_id": CUSTOMER}]
    wamid = body["messages"][0]["id"]
    assert wamid.startswith("wamid.")
    message = SandboxMessage.objects.get(wamid=wamid)
    assert message.direction == "out" and message.body["text"]["body"] == "Olá"
    planned = SandboxWebhook.objects.filter(message=message).order_by("pk")
    assert [w.status for w in planned] == ["sent", "delivered", "read"]
    assert len(callbacks) == 3  # one deliver task per status, queued after commit


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"messaging_product": "sms", "to": CUSTOMER, "type": "text", "text": {"body": "x"}}, 100),
        ({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}, 131008),
        (
            {"messaging_product": "whatsapp", "to": "abc", "type": "text", "text": {"body": "x"}},
            131009,
        ),
        ({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "fax", "fax": {}}, 100),
        ({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text"}, 131008),
        ({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {}}, 131008),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "text",
                "text": {"body": "x" * 4097},
            },
            131009,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "image",
                "image": {"link": "https://x.test/a.png", "caption": "c" * 1025},
            },
            131009,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "audio",
                "audio": {"link": "https://x.test/a.ogg", "caption": "no captions on audio"},
            },
            100,
        ),
        ({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image", "image": {}}, 131008),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "image",
                "image": {"id": "1", "link": "https://x.test/a.png"},
            },
            131009,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "image",
                "image": {"id": "404404"},
            },
            131009,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "location",
                "location": {"latitude": 10},
            },
            131008,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "location",
                "location": {"latitude": 91, "longitude": 0},
            },
            131009,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "reaction",
                "reaction": {"emoji": "👍"},
            },
            131008,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "reaction",
                "context": {"message_id": "wamid.X"},
                "reaction": {"message_id": "wamid.X", "emoji": "👍"},
            },
            100,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": CUSTOMER,
                "type": "text",
                "context": {},
                "text": {"body": "quoted"},
            },
            131008,
        ),
        (
            {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "contacts", "contacts": []},
            131008,
        ),
        (
            {
                "messaging_product": "whatsapp",
                "to": "15550007777",
                "type": "text",
                "text": {"body": "to myself"},
            },
            131021,
        ),
    ],
)
def test_invalid_bodies_get_metas_codes(graph, body, code):
    status, answer = graph.post(f"/{PHONE_NUMBER_ID}/messages", body)
    assert status in (400, 404)
    assert answer["error"]["code"] == code
    assert answer["error"]["error_data"]["messaging_product"] == "whatsapp"
    assert answer["error"]["message"].startswith(f"(#{code})")
    assert not SandboxMessage.objects.filter(direction="out").exists()


def buttons(*titles: str) -> dict:
    return {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Pick one"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": f"b{i}", "title": t}}
                    for i, t in enumerate(titles)
                ]
            },
        },
    }


def list_with_rows(count: int) -> dict:
    return {
        "to": CUSTOMER,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Choose"},
            "action": {
                "button": "Options",
                "sections": [
                    {
                        "title": "All",
                        "rows": [{"id": f"r{i}", "title": f"Row {i}"} for i in range(count)],
                    }
                ],
            },
        },
    }


def test_interactive_limits(graph, customer_in_window):
    assert graph.send(buttons("Yes", "No", "Maybe"))[0] == 200
    assert error_code(graph.send(buttons("A", "B", "C", "D"))) == 131009
    assert error_code(graph.send(buttons("A title of twenty-one"))) == 131009
    assert error_code(graph.send(buttons("Same", "Same"))) == 131009
    assert graph.send(list_with_rows(10))[0] == 200
    assert error_code(graph.send(list_with_rows(11))) == 131009
    no_action = buttons("Yes")
    del no_action["interactive"]["action"]
    assert error_code(graph.send(no_action)) == 131008
    unknown = buttons("Yes")
    unknown["interactive"]["type"] = "carousel_of_doom"
    assert error_code(graph.send(unknown)) == 100


def test_reply_context_reaction_and_location_are_accepted(graph, customer_in_window):
    inbound = SandboxMessage.objects.get(direction="in")
    quoted = graph.send(
        {
            "to": CUSTOMER,
            "type": "text",
            "context": {"message_id": inbound.wamid},
            "text": {"body": "About that"},
        }
    )
    assert quoted[0] == 200
    reaction = graph.send(
        {
            "to": CUSTOMER,
            "type": "reaction",
            "reaction": {"message_id": inbound.wamid, "emoji": "👍"},
        }
    )
    assert reaction[0] == 200
    location = graph.send(
        {
            "to": CUSTOMER,
            "type": "location",
            "location": {"latitude": -23.56, "longitude": -46.65, "name": "Loja"},
        }
    )
    assert location[0] == 200
    sent = SandboxMessage.objects.filter(direction="out")
    assert {m.type for m in sent} == {"text", "reaction", "location"}
    assert all(m.failure_code is None for m in sent)


def test_reaction_to_an_unknown_message_fails_later_with_131009(graph, customer_in_window):
    status, body = graph.send(
        {
            "to": CUSTOMER,
            "type": "reaction",
            "reaction": {"message_id": "wamid.NOPE", "emoji": "👍"},
        }
    )
    assert status == 200
    assert SandboxMessage.objects.get(wamid=body["messages"][0]["id"]).failure_code == 131009


def test_free_text_outside_the_window_is_accepted_then_planned_to_fail_131047(graph):
    status, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "late"}})
    assert status == 200
    message = SandboxMessage.objects.get(wamid=body["messages"][0]["id"])
    assert message.failure_code == 131047
    assert [w.status for w in SandboxWebhook.objects.filter(message=message)] == ["failed"]


def test_window_closes_24_hours_after_the_customer_wrote(graph, customer_in_window):
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        status, body = graph.send({"to": CUSTOMER, "type": "text", "text": {"body": "x"}})
    assert status == 200
    assert SandboxMessage.objects.get(wamid=body["messages"][0]["id"]).failure_code == 131047


def test_over_the_numbers_throughput_gets_130429(graph, number, customer_in_window):
    number.throughput_per_s = 2
    number.save()
    body = {"to": CUSTOMER, "type": "text", "text": {"body": "burst"}}
    with time_machine.travel("2030-01-01 00:00Z", tick=False):
        answers = [graph.send(body) for _ in range(3)]
    assert [a[0] for a in answers] == [200, 200, 400]
    assert answers[2][1]["error"]["code"] == 130429
    assert SandboxMessage.objects.filter(direction="out").count() == 2


def test_a_burst_to_one_customer_past_45_gets_131056_until_the_pair_has_waited(
    graph, number, customer_in_window
):
    number.throughput_per_s = 1000
    number.save()
    body = {"to": CUSTOMER, "type": "text", "text": {"body": "burst"}}
    with time_machine.travel("2030-01-01 00:00Z", tick=False):
        answers = [graph.send(body)[0] for _ in range(45)]
        refused = graph.send(body)
        other = graph.send({**body, "to": "5511900001111"})
    assert answers == [200] * 45
    assert refused[0] == 400
    assert refused[1]["error"]["code"] == 131056
    assert other[0] == 200  # other customers of the number are not affected
    with time_machine.travel("2030-01-01 00:00:06Z", tick=False):
        assert [graph.send(body)[0] for _ in range(2)] == [200, 400]
    assert SandboxMessage.objects.filter(direction="out", customer__wa_id=CUSTOMER).count() == 46


def test_mark_as_read_answers_success_and_reads_earlier_messages(graph, number):
    from inbox.sandbox.services.inbound import send_inbound

    first = send_inbound(number, wa_id=CUSTOMER, kind="text", text="1", deliver_now=True)
    send_inbound(number, wa_id=CUSTOMER, kind="text", text="2", deliver_now=True)
    last = SandboxMessage.objects.filter(direction="in").order_by("-pk").first()
    status, body = graph.send({"status": "read", "message_id": last.wamid})
    assert (status, body) == (200, {"success": True})
    assert set(SandboxMessage.objects.filter(direction="in").values_list("status", flat=True)) == {
        "read"
    }
    assert first.delivered_at is not None
    assert error_code(graph.send({"status": "read", "message_id": "wamid.unknown"})) == 100


# --- templates at send time --------------------------------------------------------------------


def test_template_send_is_accepted_outside_the_window(graph, order_template):
    status, body = graph.send(template_body())
    assert status == 200
    assert body["messages"][0]["message_status"] == "accepted"
    message = SandboxMessage.objects.get(wamid=body["messages"][0]["id"])
    assert message.failure_code is None


def test_unknown_template_is_132001(graph, order_template):
    status, body = graph.send(template_body(name="order_shiped"))
    assert (status, body["error"]["code"]) == (404, 132001)
    status, body = graph.send(template_body(language="en_US"))
    assert (status, body["error"]["code"]) == (404, 132001)


def test_pending_template_is_not_sendable(graph, order_template):
    SandboxTemplate.objects.filter(pk=order_template.pk).update(status=TemplateStatus.PENDING)
    assert error_code(graph.send(template_body())) == 132001


def test_wrong_parameter_count_is_132000(graph, order_template):
    assert error_code(graph.send(template_body(body_params=1))) == 132000
    assert error_code(graph.send(template_body(body_params=3))) == 132000
    assert error_code(graph.send(template_body(header=False))) == 132000
    assert error_code(graph.send(template_body(url_button=False))) == 132000


def test_paused_template_is_132015_and_disabled_132016(graph, order_template):
    SandboxTemplate.objects.filter(pk=order_template.pk).update(status=TemplateStatus.PAUSED)
    assert error_code(graph.send(template_body())) == 132015
    SandboxTemplate.objects.filter(pk=order_template.pk).update(status=TemplateStatus.DISABLED)
    assert error_code(graph.send(template_body())) == 132016


def test_template_without_name_is_131008(graph):
    body = {"to": CUSTOMER, "type": "template", "template": {"language": {"code": "pt_BR"}}}
    assert error_code(graph.send(body)) == 131008


def test_sandbox_disabled_answers_404(graph, settings):
    settings.SANDBOX_ENABLED = False
    response = graph.client.post(
        f"/sandbox/graph/v24.0/{PHONE_NUMBER_ID}/messages",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer x",
    )
    assert response.status_code == 404
