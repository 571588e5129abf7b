"""GET/POST /{ver}/{waba_id}/message_templates and the review webhook (reference §4.1, §8)."""

import json

import pytest

from inbox.sandbox.models import SandboxTemplate, TemplateStatus
from inbox.sandbox.services.numbers import ensure_sandbox_number
from inbox.sandbox.services.templates import review_template, set_template_status
from inbox.sandbox.services.webhooks import deliver_webhook

from .conftest import WABA_ID, is_signed

NEW_TEMPLATE = {
    "name": "order_update",
    "language": "pt_BR",
    "category": "UTILITY",
    "components": [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Pedido {{1}}",
            "example": {"header_text": ["4411"]},
        },
        {
            "type": "BODY",
            "text": "Olá {{1}}, seu pedido {{2}} saiu.",
            "example": {"body_text": [["Ana", "4411"]]},
        },
        {"type": "FOOTER", "text": "Acme"},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Falar com atendente"}]},
    ],
}


def create(graph, body) -> tuple[int, dict]:
    return graph.post(f"/{WABA_ID}/message_templates", body)


def test_create_is_pending_then_approved_with_a_signed_webhook(
    graph, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        status, body = create(graph, NEW_TEMPLATE)
    assert status == 200
    assert body["status"] == "PENDING" and body["category"] == "UTILITY"
    assert len(callbacks) == 1  # the review, after SANDBOX_TEMPLATE_REVIEW_S
    template = SandboxTemplate.objects.get(graph_id=int(body["id"]))
    assert template.parameter_format == "POSITIONAL"

    with django_capture_on_commit_callbacks(execute=False):
        review_template(template.pk)
    template.refresh_from_db()
    assert template.status == TemplateStatus.APPROVED
    webhook = template_webhooks(template)[-1]
    assert deliver_webhook(webhook.pk)
    (request,) = receiver.requests
    assert is_signed(request)
    payload = json.loads(request["raw"])
    entry = payload["entry"][0]
    assert entry["id"] == WABA_ID and isinstance(entry["time"], int)
    change = entry["changes"][0]
    assert change["field"] == "message_template_status_update"
    assert change["value"] == {
        "event": "APPROVED",
        "message_template_id": template.graph_id,
        "message_template_name": "order_update",
        "message_template_language": "pt_BR",
        "reason": "NONE",
        "message_template_category": "UTILITY",
    }


def template_webhooks(template):
    from inbox.sandbox.models import SandboxWebhook

    return [w for w in SandboxWebhook.objects.order_by("pk") if str(template.graph_id) in w.body]


def test_names_starting_with_reject_are_rejected(graph, receiver):
    _, body = create(graph, {**NEW_TEMPLATE, "name": "reject_me"})
    template = SandboxTemplate.objects.get(graph_id=int(body["id"]))
    review_template(template.pk)
    template.refresh_from_db()
    assert template.status == TemplateStatus.REJECTED
    value = json.loads(template_webhooks(template)[-1].body)["entry"][0]["changes"][0]["value"]
    assert value["event"] == "REJECTED" and value["reason"] == "INVALID_FORMAT"
    assert "rejection_info" in value


def test_pausing_a_template_tells_the_receiver(graph, receiver, order_template):
    set_template_status(order_template, TemplateStatus.PAUSED, deliver_now=True)
    (request,) = receiver.requests
    value = json.loads(request["raw"])["entry"][0]["changes"][0]["value"]
    assert value["event"] == "PAUSED" and value["message_template_id"] == 555000111


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name": "Order Update"}, 100),
        ({"name": ""}, 131008),
        ({"language": "xx_YY"}, 100),
        ({"category": "PROMO"}, 100),
        ({"components": []}, 131008),
        ({"components": [{"type": "FOOTER", "text": "no body"}]}, 100),
        ({"components": [{"type": "BODY", "text": "{{1}} starts the body"}]}, 100),
        ({"components": [{"type": "BODY", "text": "Hi {{1}}, no example"}]}, 100),
        ({"components": [{"type": "BODY", "text": "x" * 1025}]}, 100),
        (
            {
                "components": [
                    {"type": "BODY", "text": "ok"},
                    {
                        "type": "BUTTONS",
                        "buttons": [
                            {"type": "QUICK_REPLY", "text": "A"},
                            {"type": "URL", "text": "B", "url": "https://x.test"},
                            {"type": "QUICK_REPLY", "text": "C"},
                        ],
                    },
                ]
            },
            100,
        ),
    ],
)
def test_create_validation(graph, change, code):
    status, body = create(graph, {**NEW_TEMPLATE, **change})
    assert status == 400
    assert body["error"]["code"] == code
    assert not SandboxTemplate.objects.exists()


def test_same_name_and_language_twice_is_refused(graph):
    assert create(graph, NEW_TEMPLATE)[0] == 200
    status, body = create(graph, NEW_TEMPLATE)
    assert status == 400 and body["error"]["error_subcode"] == 2388024
    assert create(graph, {**NEW_TEMPLATE, "language": "en_US"})[0] == 200


def test_list_with_fields_filters_and_cursor_paging(graph):
    for index in range(5):
        create(graph, {**NEW_TEMPLATE, "name": f"tpl_{index}"})
    SandboxTemplate.objects.filter(name="tpl_4").update(status=TemplateStatus.APPROVED)
    path = f"/sandbox/graph/v24.0/{WABA_ID}/message_templates"

    first = graph.get(path, fields="name,status", limit=2).json()
    assert [t["name"] for t in first["data"]] == ["tpl_0", "tpl_1"]
    assert set(first["data"][0]) == {"name", "status", "id"}
    assert first["paging"]["next"].startswith("http://testserver" + path)
    names = [t["name"] for t in first["data"]]
    page = first
    while "next" in page["paging"]:
        page = graph.get(
            path, fields="name", limit=2, after=page["paging"]["cursors"]["after"]
        ).json()
        names += [t["name"] for t in page["data"]]
    assert names == [f"tpl_{i}" for i in range(5)]

    approved = graph.get(path, status="APPROVED").json()["data"]
    assert [t["name"] for t in approved] == ["tpl_4"]
    assert approved[0]["components"] == NEW_TEMPLATE["components"]
    assert approved[0]["parameter_format"] == "POSITIONAL"


def test_another_wabas_token_cannot_list(graph):
    ensure_sandbox_number(
        phone_number_id="2",
        waba_id="3",
        display_phone_number="15550000002",
        app_secret="s2",
        access_token="other-token",
    )
    from .conftest import Graph

    response = Graph(token="other-token").get(f"/sandbox/graph/v24.0/{WABA_ID}/message_templates")
    assert response.status_code == 400 and response.json()["error"]["code"] == 100
