"""Media: multipart upload → GET /{media_id} → download with the Bearer token (reference §5.6)."""

import hashlib
import time
from urllib.parse import urlsplit

import time_machine

from inbox.sandbox.models import SandboxMedia, SandboxMessage
from inbox.sandbox.services.inbound import PLACEHOLDER_PNG
from inbox.sandbox.services.numbers import ensure_sandbox_number

from .conftest import CUSTOMER, PHONE_NUMBER_ID, Graph

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


def test_upload_get_download_round_trip(graph):
    upload = graph.upload(PDF, "application/pdf", "invoice.pdf")
    assert upload.status_code == 200
    media_id = upload.json()["id"]
    assert media_id.isdigit()

    info = graph.get(f"/sandbox/graph/v24.0/{media_id}")
    assert info.status_code == 200
    body = info.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["id"] == media_id
    assert body["mime_type"] == "application/pdf"
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["file_size"] == len(PDF)
    url = urlsplit(body["url"])
    assert url.path == f"/sandbox/graph/download/{media_id}/"

    download = graph.client.get(
        f"{url.path}?{url.query}", HTTP_AUTHORIZATION=f"Bearer {graph.token}"
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content == PDF


def test_download_needs_the_bearer_token(graph):
    media_id = graph.upload(PDF, "application/pdf").json()["id"]
    url = urlsplit(graph.get(f"/sandbox/graph/v24.0/{media_id}").json()["url"])
    anonymous = graph.client.get(f"{url.path}?{url.query}")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == 190


def test_download_url_expires_after_five_minutes(graph):
    media_id = graph.upload(PDF, "application/pdf").json()["id"]
    url = urlsplit(graph.get(f"/sandbox/graph/v24.0/{media_id}").json()["url"])
    with time_machine.travel(time.time() + 301):
        late = graph.client.get(
            f"{url.path}?{url.query}", HTTP_AUTHORIZATION=f"Bearer {graph.token}"
        )
    assert late.status_code == 404
    tampered = graph.client.get(
        f"{url.path}?{url.query.replace('hash=', 'hash=0')}",
        HTTP_AUTHORIZATION=f"Bearer {graph.token}",
    )
    assert tampered.status_code == 404


def test_media_of_another_number_is_invisible(graph, number):
    media_id = graph.upload(PDF, "application/pdf").json()["id"]
    ensure_sandbox_number(
        phone_number_id="2",
        waba_id="3",
        display_phone_number="15550000002",
        app_secret="s2",
        access_token="other-token",
    )
    other = Graph(token="other-token").get(f"/sandbox/graph/v24.0/{media_id}")
    assert other.status_code == 400 and other.json()["error"]["code"] == 100
    assert Graph(token="").get(f"/sandbox/graph/v24.0/{media_id}").status_code == 401


def test_unsupported_type_and_missing_file_are_refused(graph):
    refused = graph.upload(b"<html>", "text/html")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 131053
    missing = graph.client.post(
        f"/sandbox/graph/v24.0/{PHONE_NUMBER_ID}/media",
        {"messaging_product": "whatsapp"},
        HTTP_AUTHORIZATION=f"Bearer {graph.token}",
    )
    assert missing.json()["error"]["code"] == 131008
    assert not SandboxMedia.objects.exists()


def test_delete_media(graph):
    media_id = graph.upload(PDF, "application/pdf").json()["id"]
    deleted = graph.client.delete(
        f"/sandbox/graph/v24.0/{media_id}", HTTP_AUTHORIZATION=f"Bearer {graph.token}"
    )
    assert deleted.json() == {"success": True}
    assert graph.get(f"/sandbox/graph/v24.0/{media_id}").status_code == 400


def test_sending_an_uploaded_image_by_id(graph, customer_in_window):
    png = PLACEHOLDER_PNG
    media_id = graph.upload(png, "image/png", "a.png").json()["id"]
    status, body = graph.send(
        {"to": CUSTOMER, "type": "image", "image": {"id": media_id, "caption": "Receipt"}}
    )
    assert status == 200
    assert SandboxMessage.objects.get(wamid=body["messages"][0]["id"]).failure_code is None
    # A PDF sent as an image is accepted, then fails with 131053 like Meta.
    pdf_id = graph.upload(PDF, "application/pdf").json()["id"]
    status, body = graph.send({"to": CUSTOMER, "type": "image", "image": {"id": pdf_id}})
    assert status == 200
    assert SandboxMessage.objects.get(wamid=body["messages"][0]["id"]).failure_code == 131053


def test_phone_number_node_reports_its_fields(graph):
    response = graph.get(f"/sandbox/graph/v24.0/{PHONE_NUMBER_ID}")
    assert response.status_code == 200
    assert response.json()["quality_rating"] == "GREEN"
    assert response.json()["id"] == PHONE_NUMBER_ID
