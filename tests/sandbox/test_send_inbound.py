"""send_inbound: a Meta-shaped, signed `messages` webhook for every inbound type of reference §2."""

import base64
import hashlib
import json

import pytest

from inbox.sandbox.models import SandboxCustomer, SandboxMedia, SandboxMessage
from inbox.sandbox.services.inbound import send_inbound
from inbox.sandbox.services.webhooks import deliver_webhook

from .conftest import BUSINESS_NUMBER, CUSTOMER, PHONE_NUMBER_ID, WABA_ID, is_signed


def send(number, receiver, kind: str, **fields) -> dict:
    receiver.requests.clear()
    send_inbound(
        number, wa_id=f"+{CUSTOMER}", name="Ana Souza", kind=kind, deliver_now=True, **fields
    )
    (request,) = receiver.requests
    assert is_signed(request)
    payload = json.loads(request["raw"])
    assert payload["object"] == "whatsapp_business_account"
    (entry,) = payload["entry"]
    assert entry["id"] == WABA_ID and "time" not in entry
    (change,) = entry["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {
        "display_phone_number": BUSINESS_NUMBER,
        "phone_number_id": PHONE_NUMBER_ID,
    }
    (message,) = value["messages"]
    assert message["from"] == CUSTOMER
    assert message["id"].startswith("wamid.")
    assert message["timestamp"].isdigit()
    if message["type"] != "system":
        assert value["contacts"] == [{"profile": {"name": "Ana Souza"}, "wa_id": CUSTOMER}]
    else:
        assert "contacts" not in value
    assert SandboxMessage.objects.filter(wamid=message["id"], direction="in").exists()
    return message


def test_text(number, receiver):
    message = send(number, receiver, "text", text="Olá, meu pedido não chegou")
    assert message["type"] == "text"
    assert message["text"] == {"body": "Olá, meu pedido não chegou"}
    assert b"\\u00e3" in receiver.requests[0]["raw"]  # escaped unicode, as Meta signs it


@pytest.mark.parametrize(
    ("kind", "wire", "mime"),
    [
        ("image", "image", "image/png"),
        ("audio", "audio", "audio/ogg"),
        ("voice", "audio", "audio/ogg; codecs=opus"),
        ("video", "video", "video/mp4"),
        ("document", "document", "application/pdf"),
        ("sticker", "sticker", "image/webp"),
    ],
)
def test_media_kinds_carry_a_downloadable_media_id(number, receiver, kind, wire, mime):
    message = send(number, receiver, kind, caption="Look")
    assert message["type"] == wire
    obj = message[wire]
    media = SandboxMedia.objects.get(media_id=obj["id"])
    assert obj["mime_type"] == media.mime_type == mime
    assert obj["sha256"] == base64.b64encode(hashlib.sha256(bytes(media.content)).digest()).decode()
    assert obj["url"].startswith("http://testserver/sandbox/graph/download/")
    if wire in ("image", "video", "document"):
        assert obj["caption"] == "Look"
    else:
        assert "caption" not in obj
    if wire == "audio":
        assert obj["voice"] is (kind == "voice")
    if wire == "document":
        assert obj["filename"] == "document.pdf"
    if wire == "sticker":
        assert obj["animated"] is False


def test_uploaded_bytes_are_what_the_media_id_serves(number, receiver, graph):
    message = send(
        number,
        receiver,
        "image",
        content=b"\x89PNG real",
        mime_type="image/png",
        filename="box.png",
    )
    info = graph.get(f"/sandbox/graph/v24.0/{message['image']['id']}").json()
    download = graph.client.get(
        info["url"].removeprefix("http://testserver"), HTTP_AUTHORIZATION=f"Bearer {graph.token}"
    )
    assert download.content == b"\x89PNG real"


def test_location(number, receiver):
    message = send(
        number,
        receiver,
        "location",
        latitude=-23.561414,
        longitude=-46.655881,
        place_name="Loja Paulista",
        address="Av. Paulista, 1000",
    )
    assert message["location"] == {
        "latitude": -23.561414,
        "longitude": -46.655881,
        "name": "Loja Paulista",
        "address": "Av. Paulista, 1000",
    }


def test_contacts(number, receiver):
    message = send(
        number, receiver, "contacts", contact_name="Carlos Lima", contact_phone="5511912345678"
    )
    (card,) = message["contacts"]
    assert card["name"]["formatted_name"] == "Carlos Lima"
    assert card["phones"][0]["wa_id"] == "5511912345678"


def test_interactive_replies_quote_the_last_business_menu(
    number, receiver, graph, customer_in_window
):
    _, sent = graph.send(
        {
            "to": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Confirm?"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]},
            },
        }
    )
    menu = sent["messages"][0]["id"]
    button = send(number, receiver, "button_reply", reply_id="yes", title="Yes")
    assert button["type"] == "interactive"
    assert button["context"] == {"from": BUSINESS_NUMBER, "id": menu}
    assert button["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "yes", "title": "Yes"},
    }
    listed = send(
        number,
        receiver,
        "list_reply",
        reply_id="dept_billing",
        title="Billing",
        description="Invoices",
    )
    assert listed["interactive"] == {
        "type": "list_reply",
        "list_reply": {"id": "dept_billing", "title": "Billing", "description": "Invoices"},
    }
    flow = send(number, receiver, "nfm_reply", response={"rating": "5"}, flow_token="csat-1")
    nfm = flow["interactive"]["nfm_reply"]
    assert flow["interactive"]["type"] == "nfm_reply"
    assert nfm["name"] == "flow" and nfm["body"] == "Sent"
    assert json.loads(nfm["response_json"]) == {"rating": "5", "flow_token": "csat-1"}


def test_template_button(number, receiver):
    message = send(
        number,
        receiver,
        "button",
        payload="STOP_PROMOS",
        text="Parar avisos",
        reply_to="wamid.TEMPLATE",
    )
    assert message["type"] == "button"
    assert message["button"] == {"payload": "STOP_PROMOS", "text": "Parar avisos"}
    assert message["context"] == {"from": BUSINESS_NUMBER, "id": "wamid.TEMPLATE"}


def test_reaction_and_its_removal(number, receiver):
    reaction = send(number, receiver, "reaction", message_id="wamid.OUT1", emoji="👍")
    assert reaction["reaction"] == {"message_id": "wamid.OUT1", "emoji": "👍"}
    removal = send(number, receiver, "reaction", message_id="wamid.OUT1", emoji="")
    assert removal["reaction"] == {"message_id": "wamid.OUT1"}


def test_order(number, receiver):
    items = [
        {"product_retailer_id": "SKU-RED-M", "quantity": 2, "item_price": 49.9, "currency": "BRL"}
    ]
    message = send(
        number, receiver, "order", catalog_id="1948", product_items=items, text="Gift wrap"
    )
    assert message["order"] == {"catalog_id": "1948", "product_items": items, "text": "Gift wrap"}


def test_system_user_changed_number(number, receiver):
    message = send(number, receiver, "system", new_wa_id="5511900000000")
    assert message["system"] == {
        "body": f"User Ana Souza changed from {CUSTOMER} to 5511900000000",
        "wa_id": "5511900000000",
        "type": "user_changed_number",
    }
    assert SandboxCustomer.objects.filter(number=number, wa_id="5511900000000").exists()
    # A system message does not open the window.
    assert SandboxCustomer.objects.get(number=number, wa_id=CUSTOMER).last_message_at is None


def test_unsupported(number, receiver):
    message = send(number, receiver, "unsupported", unsupported_type="poll")
    assert message["unsupported"] == {"type": "poll"}
    assert message["errors"][0]["code"] == 131051


def test_reply_context_forward_and_referral(number, receiver):
    quoted = send(number, receiver, "text", text="this one", reply_to="wamid.BIZ")
    assert quoted["context"] == {"from": BUSINESS_NUMBER, "id": "wamid.BIZ"}
    forwarded = send(number, receiver, "text", text="fwd", forwarded=True)
    assert forwarded["context"] == {"forwarded": True}
    referral = {
        "source_url": "https://fb.me/x",
        "source_id": "120",
        "source_type": "ad",
        "body": "Sale",
        "headline": "Chat",
        "media_type": "image",
        "image_url": "https://x.test/a.jpg",
        "ctwa_clid": "ARA",
    }
    from_ad = send(number, receiver, "text", text="info?", referral=referral)
    assert from_ad["referral"] == referral


def test_writing_in_opens_the_window_and_records_the_profile(number, receiver):
    send(number, receiver, "text", text="hi")
    customer = SandboxCustomer.objects.get(number=number, wa_id=CUSTOMER)
    assert customer.profile_name == "Ana Souza"
    assert customer.is_within_window()


def test_unknown_kind_is_refused(number):
    with pytest.raises(ValueError, match="Unknown kind"):
        send_inbound(number, wa_id=CUSTOMER, kind="hologram", deliver_now=True)


def test_queued_delivery_waits_for_commit(number, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        webhook = send_inbound(number, wa_id=CUSTOMER, kind="text", text="later")
    assert len(callbacks) == 1 and receiver.requests == []
    assert webhook.delivered_at is None
    assert deliver_webhook(webhook.pk)
    assert len(receiver.requests) == 1
