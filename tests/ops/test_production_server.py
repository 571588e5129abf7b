"""The server the project runs: the Procfile's uvicorn command serving contactcenter.asgi in
the production profile. The probes and /metrics answer a kubelet or Prometheus (container IP,
plain HTTP); /metrics adds up every process sharing its PROMETHEUS_MULTIPROC_DIR; log lines
are JSON naming the request id answered with."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from tests.production import production_env

ROOT = Path(__file__).resolve().parents[2]
CONTAINER_IP = "10.1.2.3:8000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    """The test database pytest-django created (migrated), for the server process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


METRICS_TOKEN = "scrape-me-0123456789"


@pytest.fixture
def metrics_dir(tmp_path) -> Path:
    return tmp_path / "prometheus"


@pytest.fixture
def production_server(db, tmp_path, metrics_dir):
    web = re.search(r"^web: (.+)$", (ROOT / "Procfile").read_text(), re.MULTILINE).group(1)
    port = _free_port()
    env = production_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen(  # the Procfile's own shell command
        f"exec {web}", shell=True, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "the web process exited"
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the web process did not start"
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)
    log.close()


def _log_lines(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "web.log").read_text().splitlines()]


def test_probes_answer_by_ip_over_http_and_the_rest_stays_guarded(production_server):
    as_probe = {"host": CONTAINER_IP}

    live = httpx.get(f"{production_server}/healthz", headers=as_probe)
    ready = httpx.get(f"{production_server}/readyz", headers=as_probe)
    page = httpx.get(f"{production_server}/accounts/login/", headers={"host": "cc.example.com"})
    foreign = httpx.get(
        f"{production_server}/accounts/login/",
        headers={"host": CONTAINER_IP, "x-forwarded-proto": "https"},
    )

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}
    assert page.status_code == 301
    assert page.headers["location"] == "https://cc.example.com/accounts/login/"
    assert foreign.status_code == 400


def test_log_lines_are_json_naming_the_request_id_answered(production_server, tmp_path):
    missing = httpx.get(
        f"{production_server}/no-such-page/",
        headers={"host": "cc.example.com", "x-forwarded-proto": "https", "x-request-id": "lb-7"},
    )
    foreign = httpx.get(
        f"{production_server}/accounts/login/",
        headers={"host": CONTAINER_IP, "x-forwarded-proto": "https"},
    )

    assert (missing.status_code, missing.headers["x-request-id"]) == (404, "lb-7")
    lines = _log_lines(tmp_path)  # every line is JSON, or this fails
    assert {"time", "level", "logger", "message", "request_id", "task_id"} <= set(lines[-1])
    messages = {(line["request_id"], line["message"]) for line in lines}
    assert ("lb-7", "Not Found: /no-such-page/") in messages
    assert any(
        rid == foreign.headers["x-request-id"] and "Invalid HTTP_HOST" in message
        for rid, message in messages
    )
    assert not any('"GET ' in message for _, message in messages), "an access log came back"


ANOTHER_PROCESS = """
import os
import django
django.setup()
from contactcenter import metrics
metrics.SEND_OUTCOMES.labels("failed").inc()  # as a send worker does
metrics.WEBSOCKETS.inc(3)  # as a web process does, that then dies without a word
os._exit(0)
"""


@pytest.fixture
def a_process_that_died(metrics_dir):
    """Ran and died before the web process started, writing to the same directory."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    subprocess.run([sys.executable, "-c", ANOTHER_PROCESS], cwd=ROOT, env=env, check=True)


def _scrape(base: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(
        f"{base}/metrics",
        headers={"host": CONTAINER_IP, "authorization": f"Bearer {METRICS_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_add_up_every_process_sharing_the_directory(a_process_that_died, production_server):
    unsigned = httpx.post(f"{production_server}/webhooks/whatsapp/", content=b"{}")
    refused = httpx.get(f"{production_server}/metrics", headers={"host": CONTAINER_IP})

    samples = _scrape(production_server)
    assert (unsigned.status_code, refused.status_code) == (401, 401)
    assert samples[("cc_webhook_deliveries_total", (("status", "401"),))] == 1  # lean route
    assert samples[("cc_message_sends_total", (("status", "failed"),))] == 1  # the other one
    # The dead process's open sockets were forgotten when the web process started.
    assert samples[("cc_websocket_connections", ())] == 0
    assert samples[("cc_webhook_processing_lag_seconds", ())] == 0
    assert ("cc_celery_queue_length", (("queue", "ingest"),)) in samples
