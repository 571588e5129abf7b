"""`docker compose up` is a production install; the demo (DEBUG, sandbox, known passwords) is
opt-in through docker-compose.demo.yml. Docker does not run here: the files are read as Compose
reads them (YAML merge keys, environment entries without a value taken from the shell) and
the app's settings are run with the environment a container would get."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")


def compose(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def container_env(service: dict, shell: dict) -> dict:
    """A service's environment as Compose passes it: `${VAR-}` from the shell, and an entry
    with no value copied from the shell, or left out when the shell has none."""
    env = {}
    for key, value in service["environment"].items():
        if value is None:
            if key in shell:
                env[key] = shell[key]
            continue
        env[key] = re.sub(r"\$\{(\w+)-\}", lambda m: shell.get(m[1], ""), str(value))
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


OPERATOR = {
    "SECRET_KEY": Fernet.generate_key().decode() * 2,
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "cc.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://cc.example.com",
    "POSTGRES_PASSWORD": "a-real-password",
}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_default_services_run_the_production_profile_without_the_demo(name):
    service = compose("docker-compose.yml")["services"][name]
    env = service["environment"]

    assert env["DJANGO_ENV"] == "production"
    assert "DEBUG" not in env
    assert "development" not in str(env) and "seed_demo" not in service["command"]
    assert "sandbox" not in service["command"]  # no sandbox queue, no sandbox settings


def test_the_default_install_has_no_secret_of_its_own():
    services = compose("docker-compose.yml")["services"]

    for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"):
        assert services["web"]["environment"][key] is None  # from the operator's environment
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] is None
    assert "postgres:postgres@" not in services["web"]["environment"]["DATABASE_URL"]


def test_the_default_web_environment_passes_the_deployment_checklist():
    env = container_env(compose("docker-compose.yml")["services"]["web"], OPERATOR)

    result = run_check(env)

    assert env["DATABASE_URL"] == "postgres://postgres:a-real-password@postgres:5432/contactcenter"
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_without_a_secret_the_default_install_stops_and_names_it(missing, how):
    shell = {k: v for k, v in OPERATOR.items() if k != missing}
    if how == "empty":
        shell[missing] = ""
    env = container_env(compose("docker-compose.yml")["services"]["web"], shell)

    result = run_check(env)

    assert result.returncode != 0
    assert f"Set {missing} in the environment" in result.stderr


def test_the_demo_is_an_opt_in_override_with_the_development_profile():
    base = compose("docker-compose.yml")["services"]
    demo = compose("docker-compose.demo.yml")["services"]

    web = {**base["web"]["environment"], **demo["web"]["environment"]}

    assert web["DJANGO_ENV"] == "development" and web["DEBUG"] == "true"
    assert "seed_demo" in demo["web"]["command"]
    assert "sandbox" in demo["worker"]["command"]
    # Its data lives in a volume of its own, never in the production database.
    assert demo["postgres"]["volumes"] == ["demo-pgdata:/var/lib/postgresql/data"]


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
