"""Our product's GraphClient against the sandbox over real HTTP (live server): same code as for
Meta, only the base URL and token differ."""

import json

import pytest

from contactcenter.celery import app
from inbox.channels.whatsapp.client import GraphClient
from inbox.channels.whatsapp.errors import GraphError
from inbox.sandbox.models import SandboxMessage, SandboxTemplate
from inbox.sandbox.services.inbound import send_inbound
from inbox.sandbox.services.numbers import ensure_sandbox_number
from tests.live_servers import allow_outbound, use_sandbox_at

from .conftest import APP_SECRET, CUSTOMER, PHONE_NUMBER_ID, TOKEN, WABA_ID, is_signed


@pytest.fixture
def eager_tasks():
    """Tasks run in the caller (here the live server's thread), never on a shared broker."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def live_number(transactional_db, receiver):
    return ensure_sandbox_number(
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        display_phone_number="15550007777",
        app_secret=APP_SECRET,
        access_token=TOKEN,
        webhook_url=receiver.url,
    )


def client_for(live_server, token=TOKEN) -> GraphClient:
    return GraphClient(
        base_url=f"{live_server.url}/sandbox/graph", version="v24.0", access_token=token
    )


def test_send_media_and_templates_through_the_product_client(
    live_server, live_number, receiver, eager_tasks, settings
):
    use_sandbox_at(settings, live_server.url)
    send_inbound(live_number, wa_id=CUSTOMER, name="Ana", kind="text", text="oi", deliver_now=True)
    inbound = SandboxMessage.objects.get(direction="in")
    receiver.requests.clear()
    with client_for(live_server) as client:
        wamid, wa_id = client.send_message(
            PHONE_NUMBER_ID, {"to": f"+{CUSTOMER}", "type": "text", "text": {"body": "Olá"}}
        )
        assert wamid.startswith("wamid.") and wa_id == CUSTOMER
        client.mark_read(PHONE_NUMBER_ID, inbound.wamid)

        media_id = client.upload_media(
            PHONE_NUMBER_ID, filename="a.pdf", content=b"%PDF-1.4 x", mime_type="application/pdf"
        )
        info = client.media_info(media_id)
        assert info.mime_type == "application/pdf" and info.file_size == 10
        assert client.download_media(info) == b"%PDF-1.4 x"

        for index in range(3):
            SandboxTemplate.objects.create(
                waba_id=WABA_ID,
                graph_id=900 + index,
                name=f"t{index}",
                language="en",
                category="UTILITY",
                status="APPROVED",
                components=[{"type": "BODY", "text": "Hello"}],
            )
        templates = client.list_templates(WABA_ID, page_size=2)
        assert [t.name for t in templates] == ["t0", "t1", "t2"]
        assert templates[0].body_text == "Hello" and templates[0].status == "APPROVED"

        with pytest.raises(GraphError) as refused:
            client.send_message(PHONE_NUMBER_ID, {"to": CUSTOMER, "type": "text", "text": {}})
        assert refused.value.code == 131008 and not refused.value.is_retryable

    # The eager status tasks POSTed sent, delivered, read to the receiver, signed.
    statuses = [
        json.loads(r["raw"])["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
        for r in receiver.requests
    ]
    assert statuses == ["sent", "delivered", "read"]
    assert all(is_signed(r) for r in receiver.requests)
    assert SandboxMessage.objects.get(wamid=wamid).status == "read"
    assert SandboxMessage.objects.get(pk=inbound.pk).status == "read"


def test_wrong_token_is_a_190_graph_error(live_server, live_number, settings):
    allow_outbound(settings, live_server.url)
    with client_for(live_server, token="expired") as client, pytest.raises(GraphError) as refused:
        client.send_message(
            PHONE_NUMBER_ID, {"to": CUSTOMER, "type": "text", "text": {"body": "x"}}
        )
    assert refused.value.code == 190 and refused.value.http_status == 401
