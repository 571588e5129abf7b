"""A Celery worker on a host of its own serves its metrics (its prefork children's, through
PROMETHEUS_MULTIPROC_DIR) on WORKER_METRICS_PORT."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_worker_serves_its_metrics_on_its_port(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "WORKER_METRICS_PORT": str(port),
        "WORKER_METRICS_ADDRESS": "127.0.0.1",
    }
    queue = f"tests-ops-{uuid.uuid4().hex[:8]}"  # takes no task of anyone's
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "contactcenter", "worker", "-Q", queue]
        + ["--concurrency", "1", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert worker.poll() is None, "the worker exited"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the worker serves no metrics"
                time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=20)

    assert response.status_code == 200
    assert "cc_routing_seconds_count" in response.text
