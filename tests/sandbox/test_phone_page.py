"""The customer phone page: admins only, of the numbers their company connected; shows the
thread as the customer sees it, sends in."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inbox.sandbox.models import SandboxMessage, SandboxWebhook
from inbox.sandbox.services.inbound import send_inbound
from inbox.sandbox.services.numbers import ensure_sandbox_number
from inbox.sandbox.services.webhooks import deliver_webhook
from tests.factories import ChannelFactory

from .conftest import APP_SECRET, CUSTOMER, PHONE_NUMBER_ID, TOKEN, WABA_ID

PAGE = "/sandbox/phone/"
THEIR_NUMBER = "106540000000888"


@pytest.fixture(autouse=True)
def connected(tenant_a):
    """Tenant A connected the sandbox number as its channel."""
    return ChannelFactory(
        tenant=tenant_a,
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        app_secret=APP_SECRET,
        access_token=TOKEN,
    )


@pytest.fixture
def theirs(tenant_b, receiver):
    """Tenant B's sandbox number, connected as B's channel, with a customer thread."""
    number = ensure_sandbox_number(
        phone_number_id=THEIR_NUMBER,
        waba_id="109876543210888",
        display_phone_number="15550008888",
        verified_name="Their Shop",
        app_secret="their-secret",
        access_token="their-token",
        verify_token="verify-b",
        webhook_url=receiver.url,
    )
    ChannelFactory(tenant=tenant_b, phone_number_id=THEIR_NUMBER, waba_id="109876543210888")
    send_inbound(number, wa_id="5511900000001", name="Bia", kind="text", text="secret")
    return number


def test_lists_only_the_numbers_the_company_connected(alice_client, charlie_client, number, theirs):
    ours = alice_client.get(PAGE).content.decode()
    their_page = charlie_client.get(PAGE).content.decode()

    assert PHONE_NUMBER_ID in ours and THEIR_NUMBER not in ours
    assert THEIR_NUMBER in their_page and PHONE_NUMBER_ID not in their_page


def test_another_companys_number_is_not_found_to_read_or_write(alice_client, number, theirs):
    before = SandboxMessage.objects.count()
    their_thread = {"number": THEIR_NUMBER, "wa_id": "5511900000001"}

    page = alice_client.get(PAGE, their_thread)
    thread = alice_client.get("/sandbox/phone/thread/", their_thread)
    send = alice_client.post(
        "/sandbox/phone/send/", {**their_thread, "name": "Eve", "kind": "text", "text": "hi"}
    )
    play = alice_client.post("/sandbox/phone/play/", {**their_thread, "wamid": "wamid.X"})

    assert [r.status_code for r in (page, thread, send, play)] == [404, 404, 404, 404]
    assert "secret" not in page.content.decode() + thread.content.decode()
    assert SandboxMessage.objects.count() == before


def test_requires_a_signed_in_admin(client, bob_client, number):
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    assert bob_client.get(PAGE).status_code == 403  # an agent cannot speak as customers
    assert bob_client.post("/sandbox/phone/send/", {}).status_code == 403


def test_admin_who_has_not_passed_mfa_is_sent_to_it(alice, number):
    from django.test import Client

    client = Client()
    client.force_login(alice)  # password only, MFA not verified
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/mfa/" in response["Location"]


def test_shows_the_conversation_with_statuses_and_no_inline_script(
    alice_client, number, graph, customer_in_window
):
    _, body = graph.send(
        {
            "to": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Is the visit OK?"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "ok", "title": "Confirm"}},
                        {"type": "reply", "reply": {"id": "no", "title": "Move"}},
                    ]
                },
            },
        }
    )
    for webhook in SandboxWebhook.objects.filter(message__wamid=body["messages"][0]["id"])[:2]:
        deliver_webhook(webhook.pk)
    response = alice_client.get(PAGE, {"number": PHONE_NUMBER_ID, "wa_id": CUSTOMER})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Is the visit OK?" in html and "[Confirm]" in html
    assert "status-delivered" in html
    assert 'value="ok|Confirm"' in html  # the reply options of the last menu
    assert "<script>" not in html and "style=" not in html
    partial = alice_client.get(
        "/sandbox/phone/thread/", {"number": PHONE_NUMBER_ID, "wa_id": CUSTOMER}
    )
    assert "Is the visit OK?" in partial.content.decode()
    assert "<html" not in partial.content.decode()


def post(client, **data):
    base = {"number": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "name": "Ana"}
    return client.post("/sandbox/phone/send/", {**base, **data})


def inbound(kind):
    return SandboxMessage.objects.filter(direction="in", type=kind).order_by("-pk").first()


def test_sends_text_image_location_reply_and_reaction(
    alice_client, number, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(alice_client, kind="text", text="Oi!")
    assert response.status_code == 302
    assert len(callbacks) == 1  # the webhook goes out through the sandbox queue
    assert inbound("text").body["text"] == {"body": "Oi!"}

    from inbox.sandbox.services.inbound import PLACEHOLDER_PNG

    photo = SimpleUploadedFile("box.png", PLACEHOLDER_PNG, content_type="image/png")
    assert post(alice_client, kind="image", photo=photo, text="Damaged").status_code == 302
    image = inbound("image").body["image"]
    assert image["caption"] == "Damaged" and image["mime_type"] == "image/png"

    assert (
        post(
            alice_client, kind="location", latitude="-23.5", longitude="-46.6", place="Loja"
        ).status_code
        == 302
    )
    assert inbound("location").body["location"]["name"] == "Loja"

    _, sent = graph.send(
        {
            "to": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Department?"},
                "action": {
                    "button": "Choose",
                    "sections": [{"title": "All", "rows": [{"id": "billing", "title": "Billing"}]}],
                },
            },
        }
    )
    menu = sent["messages"][0]["id"]
    response = post(
        alice_client,
        kind="list_reply",
        option="billing|Billing",
        reply_to=menu,
        HTTP_HX_REQUEST="true",
    )
    reply = inbound("list_reply").body
    assert reply["interactive"]["list_reply"] == {"id": "billing", "title": "Billing"}
    assert reply["context"]["id"] == menu

    assert post(alice_client, kind="reaction", reply_to=menu, emoji="👍").status_code == 302
    assert inbound("reaction").body["reaction"] == {"message_id": menu, "emoji": "👍"}


def test_htmx_send_answers_the_thread_partial(alice_client, number):
    response = alice_client.post(
        "/sandbox/phone/send/",
        {"number": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "kind": "text", "text": "via htmx"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "via htmx" in response.content.decode()
    assert "sandbox-thread" in response.content.decode()
    # The swapped thread polls for this customer from now on.
    assert f"wa_id={CUSTOMER}" in response.content.decode()


def test_invalid_send_is_refused(alice_client, number):
    assert post(alice_client, kind="text", text="").status_code == 400
    assert post(alice_client, kind="location", latitude="").status_code == 400
    assert post(alice_client, kind="text", text="x", wa_id="abc").status_code == 400
    html_file = SimpleUploadedFile("x.html", b"<html>", content_type="text/html")
    assert post(alice_client, kind="image", photo=html_file).status_code == 400
    assert not SandboxMessage.objects.exists()


def test_page_is_gone_when_the_sandbox_is_off(alice_client, number, settings):
    settings.SANDBOX_ENABLED = False
    assert alice_client.get(PAGE).status_code == 404


def test_playing_a_voice_message_tells_the_business_it_was_played_once(
    alice_client, number, graph, customer_in_window, receiver
):
    voice = {"to": CUSTOMER, "type": "audio", "audio": {"link": "https://x.test/v.ogg"}}
    _, sent = graph.send({**voice, "audio": {**voice["audio"], "voice": True}})
    _, plain = graph.send(voice)
    wamid = sent["messages"][0]["id"]
    page = alice_client.get(PAGE, {"number": PHONE_NUMBER_ID, "wa_id": CUSTOMER}).content.decode()
    assert page.count("▶ Play") == 1  # a plain audio file has no `played`
    play = {"number": PHONE_NUMBER_ID, "wa_id": CUSTOMER, "wamid": wamid}
    receiver.requests.clear()

    assert alice_client.post("/sandbox/phone/play/", play).status_code == 302
    again = alice_client.post("/sandbox/phone/play/", play)
    not_voice = alice_client.post(
        "/sandbox/phone/play/", {**play, "wamid": plain["messages"][0]["id"]}
    )

    assert again.status_code == 400 and "not played yet" in again.content.decode()
    assert not_voice.status_code == 400
    (played,) = SandboxWebhook.objects.filter(status="played")
    assert deliver_webhook(played.pk)
    (payload,) = receiver.payloads()
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert (status["id"], status["status"]) == (wamid, "played")
    assert SandboxMessage.objects.get(wamid=wamid).status == "played"
