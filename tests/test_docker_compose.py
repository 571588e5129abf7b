"""`docker compose up` is a production install; the demo (DEBUG, sandbox, known passwords) is
an opt-in overlay, docker-compose.demo.yml. Docker does not run here: the files are read as
Compose reads them (YAML merge keys, `env_file`, then `environment` over it with `${VAR-}` taken
from the shell or `.env`), and the app's settings and the image's health probe are run with
the environment a container would get."""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings

from tests.production import production_env

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "timers", "beat")
WORKERS = ("worker", "timers")


def compose(name: str = "docker-compose.yml") -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def read_env_file(text: str) -> dict:
    """KEY=VALUE lines as Compose reads an env file (comments and blank lines skipped)."""
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key: value for key, value in pairs}


def container_env(service: dict, dotenv: dict, shell: dict | None = None) -> dict:
    """A service's environment as Compose passes it: its env file (`.env` here), then its
    `environment` over it, where `${VAR-}` comes from the shell or else from `.env`."""
    assert [entry["path"] for entry in service["env_file"]] == [".env"]
    interpolation = {**dotenv, **(shell or {})}
    env = dict(dotenv)
    for key, value in service["environment"].items():
        env[key] = re.sub(r"\$\{(\w+)-\}", lambda m: interpolation.get(m[1], ""), str(value))
    return env


def run_check(env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# What an operator fills in: every required (set, empty) line of .env.example.
OPERATOR = {
    "SECRET_KEY": Fernet.generate_key().decode() * 2,
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "cc.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://cc.example.com",
    "PUBLIC_BASE_URL": "https://cc.example.com",
    "TRUSTED_PROXIES": "172.18.0.1",
    "EMAIL_URL": "submission://cc%40example.com:app-password@smtp.example.com",
    "DEFAULT_FROM_EMAIL": "Contact Center <cc@example.com>",
    "POSTGRES_PASSWORD": "a-real-password",
}


def env_example(**changes) -> dict:
    return {**read_env_file((ROOT / ".env.example").read_text()), **changes}


def queues(command: str) -> set[str]:
    return set(re.search(r"-Q (\S+)", command)[1].split(","))


def test_env_example_requires_what_the_operator_fills_in_and_nothing_else():
    assert env_example() == dict.fromkeys(OPERATOR, "")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_default_services_run_the_production_profile_without_the_demo(name):
    service = compose()["services"][name]
    env = container_env(service, env_example(**OPERATOR))

    assert env["DJANGO_ENV"] == "production"
    assert "DEBUG" not in env
    assert "development" not in str(env) and "seed_demo" not in service["command"]
    assert "sandbox" not in service["command"]  # no sandbox queue, no sandbox settings


def test_the_default_install_has_no_secret_of_its_own():
    services = compose()["services"]

    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert not {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"} & set(environment)
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD-}"
    assert "postgres:postgres@" not in services["web"]["environment"]["DATABASE_URL"]


def test_env_example_filled_in_passes_the_deployment_checklist():
    env = container_env(compose()["services"]["web"], env_example(**OPERATOR))

    result = run_check(env)

    assert env["DATABASE_URL"] == "postgres://postgres:a-real-password@postgres:5432/contactcenter"
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_example_copied_unedited_stops_the_install_and_names_what_to_set():
    result = run_check(container_env(compose()["services"]["web"], env_example()))

    assert result.returncode != 0
    assert "Set SECRET_KEY in the environment" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_without_a_secret_the_default_install_stops_and_names_it(missing, how):
    dotenv = env_example(**OPERATOR)
    if how == "unset":
        del dotenv[missing]
    else:
        dotenv[missing] = ""

    result = run_check(container_env(compose()["services"]["web"], dotenv))

    assert result.returncode != 0
    assert f"Set {missing} in the environment" in result.stderr


def test_migrations_run_once_before_anything_serves():
    services = compose()["services"]

    running_migrate = [n for n, s in services.items() if "migrate" in str(s.get("command"))]
    assert running_migrate == ["migrate"]
    assert services["migrate"]["restart"] == "no"  # a one-off: done, it stays done
    for name in ("web", *WORKERS, "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_beat_runs_exactly_once():
    services = compose()["services"]

    schedulers = [
        name
        for name, service in services.items()
        if re.search(r"celery .*\bbeat\b|worker .*(-B\b|--beat)", str(service.get("command")))
    ]
    assert schedulers == ["beat"]
    assert "deploy" not in services["beat"] and "scale" not in services["beat"]


def test_the_production_workers_consume_every_queue_a_task_is_routed_to():
    services = compose()["services"]
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    consumed = [queues(services[name]["command"]) for name in WORKERS]

    assert (routed - {"sandbox"}) | {settings.CELERY_TASK_DEFAULT_QUEUE} <= set().union(*consumed)
    # The sweeps due every few seconds never wait behind a long download or send.
    assert consumed[1] == {"timers"} and "timers" not in consumed[0]


def test_redis_keeps_the_broker_on_a_volume():
    redis = compose()["services"]["redis"]

    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert "redisdata:/data" in redis["volumes"] and "redisdata" in compose()["volumes"]


def test_each_service_has_a_health_check_that_fits_it():
    services = compose()["services"]

    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    # web has the image's HEALTHCHECK (its /healthz); the workers answer their own ping.
    assert "healthcheck" not in services["web"]
    for name in WORKERS:
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD-SHELL" and "inspect ping --destination celery@$$HOSTNAME" in test[1]
    for name in ("migrate", "beat"):  # no HTTP server to probe
        assert services[name]["healthcheck"] == {"disable": True}


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def image_probe() -> list[str]:
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", dockerfile(), re.MULTILINE | re.DOTALL)
    return json.loads(match[1])


def test_the_image_runs_as_an_unprivileged_user_that_may_write_only_the_media():
    user = re.findall(r"^USER (\S+)$", dockerfile(), re.MULTILINE)
    last_run = max(m.start() for m in re.finditer(r"^RUN ", dockerfile(), re.MULTILINE))

    assert user == ["app"] and dockerfile().index("USER app") > last_run
    assert "useradd --system" in dockerfile() and "chown app:app var/media" in dockerfile()
    media = compose()["services"]["web"]["volumes"]
    assert media == ["media:/app/var/media"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_health_probe_finds_the_compose_web_server_healthy_and_a_dead_one_not():
    """Compose's web command in the production profile, probed as the image's HEALTHCHECK
    probes it (plain HTTP to 127.0.0.1, which production would otherwise redirect to HTTPS)."""
    command = compose()["services"]["web"]["command"]
    assert "--host 0.0.0.0 --port 8000" in command
    port = str(_free_port())
    args = shlex.split(
        command.replace("--host 0.0.0.0 --port 8000", f"--host 127.0.0.1 --port {port}")
    )
    probe = [
        sys.executable if arg == "python" else arg.replace(":8000/", f":{port}/")
        for arg in image_probe()
    ]
    assert "http://127.0.0.1:8000/healthz" in image_probe()[-1]

    def probe_exit() -> int:
        return subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode

    env = production_env(REDIS_URL=settings.REDIS_URL)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / args[0]), *args[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while probe_exit() != 0:
            assert server.poll() is None, "the web server exited"
            assert time.monotonic() < deadline, "never healthy"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert probe_exit() != 0


def demo_service(name: str) -> dict:
    """A service as `-f docker-compose.yml -f docker-compose.demo.yml` merges it."""
    base, demo = compose()["services"][name], compose("docker-compose.demo.yml")["services"][name]
    return {
        **base,
        **demo,
        "environment": {**base.get("environment", {}), **demo.get("environment", {})},
    }


def test_the_demo_is_an_opt_in_overlay_with_the_development_profile():
    web = container_env(demo_service("web"), {})

    assert web["DJANGO_ENV"] == "development" and web["DEBUG"] == "true"
    for name in APP_SERVICES:
        assert demo_service(name)["environment"]["DJANGO_ENV"] == "development"
    assert "seed_demo" in demo_service("migrate")["command"]
    assert "sandbox" in queues(demo_service("worker")["command"])
    # Its data lives in volumes of its own, never in the production database or broker.
    demo = compose("docker-compose.demo.yml")
    assert demo["services"]["postgres"]["volumes"] == ["demo-pgdata:/var/lib/postgresql/data"]
    assert demo["services"]["redis"]["volumes"] == ["demo-redisdata:/data"]


def test_only_the_demo_publishes_postgres_and_redis_on_localhost():
    for name in ("postgres", "redis"):
        assert "ports" not in compose()["services"][name]
        assert demo_service(name)["ports"][0].startswith("127.0.0.1:")


def test_the_demo_answers_the_hosts_its_own_containers_call():
    """The worker reaches the sandbox Graph API on the web container by its service name; a
    Host that ALLOWED_HOSTS refuses gets a 400 and no demo message would ever be sent."""
    from urllib.parse import urlsplit

    from django.http.request import split_domain_port, validate_host

    env = compose("docker-compose.demo.yml")["services"]["web"]["environment"]
    allowed = env["ALLOWED_HOSTS"].split(",")
    for name in ("GRAPH_API_BASE", "SANDBOX_PUBLIC_BASE", "PUBLIC_BASE_URL"):
        domain, _ = split_domain_port(urlsplit(env[name]).netloc)
        assert validate_host(domain, allowed), f"{name} names {domain}, not in ALLOWED_HOSTS"
