"""A fresh production install, as the README's "Production install" runs it: the production
settings (DJANGO_ENV=production) in processes of their own, a web server, a Celery worker, a
real SMTP server on loopback. `create_tenant` creates the company; the worker e-mails the
invitation; its first admin follows the link in Chromium, sets a password and two-factor
sign-in, signs in again and lands on the page that connects the company's WhatsApp number."""

import base64
import email
import os
import re
import subprocess
import sys
from email.policy import default as default_policy
from pathlib import Path
from urllib.request import urlopen

import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from django.db import connection
from django_otp.oath import TOTP

from contactcenter.accounts.models import Invitation, Membership, Role, Tenant
from contactcenter.celery import app as celery_app
from tests.browser.conftest import _orm_beside_playwright, browser, new_page  # noqa: F401
from tests.live_servers import WORKER_QUEUES, _free_port, close_pooled_connections, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
ADMIN, PASSWORD = "boss@acme.test", "a-long-fresh-passphrase-2026"


class Inbox:
    """aiosmtpd's handler: every message the server accepts, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def _database_url() -> str:
    """The test database pytest-django made (migrated), for the processes of the install."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def install(transactional_db, smtp_server, tmp_path):
    """The production profile's environment and a way to run its commands; its web server and
    worker are started by `serve` and stopped at the end."""
    smtp_port, inbox = smtp_server
    web_port = _free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
        "DJANGO_ENV": "production",
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": base,
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback, no TLS proxy in front
        "PUBLIC_BASE_URL": base,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEFAULT_FROM_EMAIL": "Contact Center <no-reply@cc.test>",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    for leftover in ("DEBUG", "STATIC_MANIFEST", "SANDBOX_ENABLED", "EMAIL_BACKEND"):
        env.pop(leftover, None)
    started: list[subprocess.Popen] = []

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def serve() -> None:
        with celery_app.connection_for_write() as broker:  # no earlier test's leftovers
            for queue in WORKER_QUEUES.split(","):
                broker.default_channel.queue_purge(queue)
        logs = tmp_path / "logs"
        logs.mkdir()
        for name, command in {
            "web": ["-m", "uvicorn", "contactcenter.asgi:application", "--host", "127.0.0.1"]
            + ["--port", str(web_port), "--lifespan", "off"],
            "worker": ["-m", "celery", "-A", "contactcenter", "worker", "--pool", "solo"]
            + ["-Q", "default,ingest,send,timers", "--loglevel", "INFO"],
        }.items():
            output = (logs / f"{name}.log").open("w")
            started.append(
                subprocess.Popen(
                    [sys.executable, *command], cwd=ROOT, env=env, stdout=output, stderr=output
                )
            )
        wait_until(lambda: _answers(f"{base}/readyz"), timeout_s=60, what="/readyz to answer")

    yield base, inbox, run, serve
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # uvicorn waits for the browser's open websocket
            process.kill()
            process.wait(timeout=10)
    close_pooled_connections()


def _answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=2) as response:  # noqa: S310 - our own server on loopback
            return response.status == 200
    except OSError:
        return False


def _totp(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret) % 8))
    return f"{TOTP(key, 30, 0, 6).token():06d}"


def test_a_fresh_install_creates_a_company_whose_admin_signs_in_from_the_invitation_email(
    install,
    new_page,  # noqa: F811 - the fixture imported above
):
    base, inbox, run, serve = install
    assert run("check", "--deploy", "--fail-level", "ERROR").returncode == 0
    assert run("collectstatic", "--noinput").returncode == 0
    serve()

    created = run(
        *("create_tenant", "--name", "Acme Telecom", "--slug", "acme"),
        *("--time-zone", "America/Sao_Paulo", "--language", "pt", "--admin-email", ADMIN),
    )
    assert created.returncode == 0, created.stderr
    assert "created" in created.stdout
    again = run(
        *("create_tenant", "--name", "Acme Telecom", "--slug", "acme"),
        *("--time-zone", "America/Sao_Paulo", "--language", "pt", "--admin-email", ADMIN),
    )
    assert again.returncode == 0 and "Nothing changed" in again.stdout, again.stderr

    [message] = wait_until(lambda: inbox.messages, timeout_s=60, what="the invitation e-mail")
    assert message["To"] == ADMIN and message["Subject"] == "Você foi convidado a Acme Telecom"
    link = re.search(rf"{re.escape(base)}/accounts/invitations/\S+/", message.get_content())
    assert link, message.get_content()
    invitation = Invitation.objects.get(tenant__slug="acme")
    assert invitation.mail_sent_at is not None and invitation.link_token == ""

    page = new_page("admin")
    page.goto(link.group(0))
    page.fill("#id_full_name", "Bia Boss")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/enrol/")  # admins always set up a second factor
    page.click("form:has(input[value=start]) button")
    secret = page.get_by_test_id("secret").inner_text()
    page.fill("#id_code", _totp(secret))
    page.click("form[novalidate] button[type=submit]")
    backup_code = page.get_by_test_id("backup-codes").locator("li").first.inner_text()
    page.click("section.panel a.button")  # "I saved them, continue", in Portuguese by now
    page.wait_for_url("**/manage/channels/new/")

    page.locator("form[action$='/accounts/logout/'] button").first.click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_email", ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/")
    page.fill("#id_code", backup_code)  # the TOTP code of this 30 s was used at enrolment
    page.click("form:not([action]) button[type=submit]")

    page.wait_for_url("**/manage/channels/new/")
    assert page.locator("#first-run").is_visible()
    assert "conecte seu número de WhatsApp" in page.locator("#first-run").inner_text()
    tenant = Tenant.objects.get(slug="acme")
    assert (tenant.time_zone, tenant.default_language) == ("America/Sao_Paulo", "pt")
    membership = Membership.objects.get(tenant=tenant, user__email=ADMIN)
    assert membership.role == Role.ADMIN and membership.user.full_name == "Bia Boss"
