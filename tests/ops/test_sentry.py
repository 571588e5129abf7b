"""Sentry is used only when SENTRY_DSN is set: then with its Django and Celery integrations,
sending errors to that DSN; without it, sentry_sdk is not even imported."""

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REPORT = """
import sys
import django
django.setup()
import contactcenter.celery  # the worker's entry, too
print("imported" if "sentry_sdk" in sys.modules else "not imported")
if "sentry_sdk" in sys.modules:
    import logging, sentry_sdk
    print(*sorted(sentry_sdk.get_client().integrations))
    logging.getLogger("inbox").error("the worker lost its broker")
    sentry_sdk.flush(timeout=5)
"""


def _run(**env) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"} | env
    result = subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_without_a_dsn_sentry_is_not_imported():
    assert _run() == ["not imported"]


def test_with_a_dsn_errors_reach_sentry_through_the_django_and_celery_integrations():
    received = []

    class FakeSentry(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://public@127.0.0.1:{server.server_port}/42"
        imported, integrations = _run(SENTRY_DSN=dsn)
    finally:
        server.shutdown()

    assert imported == "imported"
    assert {"django", "celery"} <= set(integrations.split())
    assert received == ["/api/42/envelope/"]
