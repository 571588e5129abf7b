"""A real HTTP server on loopback playing someone else's server (Meta's Graph API, its CDN, an
internal service an attacker aims at): it counts every TCP connection it accepts and records
every request, so a test can say "nothing reached it"."""

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Route = Callable[[BaseHTTPRequestHandler], None]


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def answer_json(handler: BaseHTTPRequestHandler, data, status: int = 200) -> None:
    answer(handler, status, json.dumps(data).encode(), Content_Type="application/json")


def secret(handler: BaseHTTPRequestHandler) -> None:
    answer(handler, 200, b"internal secret")


class RemoteServer:
    """Routes by path (query ignored); an unknown path is the `fallback` (an internal secret)."""

    def __init__(self, routes: dict[str, Route] | None = None, *, fallback: Route = secret):
        self.routes = dict(routes or {})
        self.connections = 0
        self.requests: list[dict] = []
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                remote.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": self.headers,
                        "body": body,
                    }
                )
                remote.routes.get(urlsplit(self.path).path, fallback)(self)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                remote.connections += 1
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]


GRAPH = "/graph/v24.0"  # the path prefix of a RemoteServer playing the Graph API


def operate_graph_at(settings, server: RemoteServer) -> None:
    """The operator's settings for a Graph API served by `server` under GRAPH."""
    settings.GRAPH_API_BASE = f"{server.url}/graph"
    settings.GRAPH_API_VERSION = "v24.0"
    settings.OUTBOUND_ALLOWED_ENDPOINTS = [
        *settings.OUTBOUND_ALLOWED_ENDPOINTS,
        f"127.0.0.1:{server.port}",
    ]
