"""Sandbox fixtures: a real HTTP receiver on loopback (no mocks), a sandbox number pointed at
it, and a Graph client speaking to the sandbox through Django's test client."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from inbox.sandbox.models import SandboxTemplate, TemplateStatus
from inbox.sandbox.services.inbound import send_inbound
from inbox.sandbox.services.numbers import ensure_sandbox_number
from tests.live_servers import allow_outbound

APP_SECRET = "sandbox-test-secret"
TOKEN = "sandbox-test-token"
PHONE_NUMBER_ID = "106540000000777"
WABA_ID = "109876543210777"
BUSINESS_NUMBER = "15550007777"
CUSTOMER = "5511987654321"


class Receiver:
    """A tiny webhook receiver in a thread: records every POST, answers from `answers`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "raw": raw}
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/whatsapp/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def payloads(self) -> list[dict]:
        return [json.loads(r["raw"]) for r in self.requests]


def is_signed(request: dict, secret: str = APP_SECRET) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["raw"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(request["headers"].get("X-Hub-Signature-256", ""), expected)


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_STATUS_DELAY_S = 0
    settings.SANDBOX_SHUFFLE_STATUSES = False
    settings.SANDBOX_DUPLICATE_STATUSES = 0
    settings.SANDBOX_TEMPLATE_REVIEW_S = 0
    settings.SANDBOX_PUBLIC_BASE = "http://testserver/sandbox/graph"


@pytest.fixture
def receiver(settings):
    server = Receiver()
    allow_outbound(settings, server.url)
    yield server
    server.close()


@pytest.fixture
def number(db, receiver):
    return ensure_sandbox_number(
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        display_phone_number=BUSINESS_NUMBER,
        verified_name="Test Shop",
        app_secret=APP_SECRET,
        access_token=TOKEN,
        verify_token="verify",
        webhook_url=receiver.url,
    )


class Graph:
    """Speaks the Graph contract to the sandbox through Django's test client."""

    def __init__(self, token: str = TOKEN):
        self.client = Client()
        self.token = token

    def _auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def post(self, path: str, body) -> tuple[int, dict]:
        response = self.client.post(
            f"/sandbox/graph/v24.0{path}",
            data=json.dumps(body),
            content_type="application/json",
            **self._auth(),
        )
        return response.status_code, response.json()

    def get(self, path: str, **params):
        return self.client.get(path, params, **self._auth())

    def upload(self, content: bytes, mime_type: str, filename: str = "f.bin"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            f"/sandbox/graph/v24.0/{PHONE_NUMBER_ID}/media",
            {
                "messaging_product": "whatsapp",
                "type": mime_type,
                "file": SimpleUploadedFile(filename, content, content_type=mime_type),
            },
            **self._auth(),
        )

    def send(self, body: dict) -> tuple[int, dict]:
        return self.post(f"/{PHONE_NUMBER_ID}/messages", {"messaging_product": "whatsapp", **body})


@pytest.fixture
def graph(number) -> Graph:
    return Graph()


@pytest.fixture
def customer_in_window(number):
    """A customer who just wrote in: the 24 h window is open."""
    send_inbound(number, wa_id=CUSTOMER, name="Ana", kind="text", text="hi", deliver_now=True)
    return CUSTOMER


@pytest.fixture
def order_template(number):
    return SandboxTemplate.objects.create(
        waba_id=WABA_ID,
        graph_id=555000111,
        name="order_shipped",
        language="pt_BR",
        category="UTILITY",
        status=TemplateStatus.APPROVED,
        components=[
            {"type": "HEADER", "format": "TEXT", "text": "Pedido {{1}}"},
            {"type": "BODY", "text": "Olá {{1}}, seu pedido {{2}} saiu."},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "URL", "text": "Rastrear", "url": "https://x.test/t/{{1}}"},
                    {"type": "QUICK_REPLY", "text": "Falar com atendente"},
                ],
            },
        ],
    )


def template_body(
    name="order_shipped", language="pt_BR", *, body_params=2, header=True, url_button=True
) -> dict:
    components = []
    if header:
        components.append({"type": "header", "parameters": [{"type": "text", "text": "4411"}]})
    components.append(
        {
            "type": "body",
            "parameters": [{"type": "text", "text": f"v{i}"} for i in range(body_params)],
        }
    )
    if url_button:
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "4411"}],
            }
        )
    return {
        "to": f"+{CUSTOMER}",
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components},
    }
