"""A RemoteServer (tests/remote_server.py) playing the Graph API's sends and media, badly on
request, with the operator's settings pointing at it.

It answers each send as its `mode` says: accept it, answer `error`, drop the connection after
reading the request (the answer is lost: Meta may have the message), or take `delay_s` before
answering (a slow Meta: a worker can be killed while the send is in flight). `sends_by_tag`
counts the requests that reached it per message, so a test can prove "sent at most once".
"""

import contextlib
import json
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler

import pytest

from tests.remote_server import RemoteServer, answer, answer_json, operate_graph_at

MEDIA_BYTES = b"\xff\xd8\xff a customer's photo"


class FakeGraph:
    def __init__(self, server_factory=RemoteServer):
        self.mode = "accept"  # accept | drop | slow | error
        self.delay_s = 0.0
        self.error = (400, {"error": {"code": 100, "message": "Invalid parameter"}})
        self.server = server_factory(fallback=self._answer)

    @property
    def url(self) -> str:
        return self.server.url

    def sends_by_tag(self) -> Counter:
        """Send requests received per message (our tag in `biz_opaque_callback_data`)."""
        sends = [json.loads(r["body"]) for r in self.server.requests if r["method"] == "POST"]
        return Counter(body.get("biz_opaque_callback_data", "") for body in sends)

    def last_send(self) -> dict:
        return json.loads([r for r in self.server.requests if r["method"] == "POST"][-1]["body"])

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.command == "GET":
            self._media(handler)
        elif self.mode == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)  # read, never answered: the caller cannot know
        elif self.mode == "error":
            status, body = self.error
            answer_json(handler, body, status)
        else:
            if self.mode == "slow":
                time.sleep(self.delay_s)
            accepted = {
                "messaging_product": "whatsapp",
                "contacts": [{"wa_id": "5511999990000"}],
                "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}],
            }
            # The sender may have died waiting: Meta has the message, nobody hears it.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                answer_json(handler, accepted)

    def _media(self, handler: BaseHTTPRequestHandler) -> None:
        """GET /graph/{version}/{media-id}: where the file is; GET /files/{media-id}: its bytes."""
        media_id = handler.path.rsplit("/", 1)[-1]
        if handler.path.startswith("/files/"):
            answer(handler, 200, MEDIA_BYTES, Content_Type="image/jpeg")
            return
        info = {
            "url": f"{self.url}/files/{media_id}",
            "mime_type": "image/jpeg",
            "sha256": "",
            "file_size": len(MEDIA_BYTES),
            "id": media_id,
        }
        answer_json(handler, info)


def operate_fake_graph(settings, graph: FakeGraph) -> None:
    """The operator's settings for Meta at `graph`, its media host included."""
    operate_graph_at(settings, graph.server)
    settings.MEDIA_ALLOWED_HOSTS = [*settings.MEDIA_ALLOWED_HOSTS, "127.0.0.1"]


@pytest.fixture
def fake_graph(settings, remote_server):
    graph = FakeGraph(remote_server)
    operate_fake_graph(settings, graph)
    return graph
