"""The server the project runs: the Procfile's uvicorn command serving contactcenter.asgi in
the production profile. The probes answer a kubelet (container IP, plain HTTP); its log lines
are JSON naming the request id it answered with."""

import json
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

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


@pytest.fixture
def production_server(db, tmp_path):
    web = re.search(r"^web: (.+)$", (ROOT / "Procfile").read_text(), re.MULTILINE).group(1)
    port = _free_port()
    env = production_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
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
