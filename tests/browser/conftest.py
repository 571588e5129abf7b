"""Playwright driving Debian's Chromium against the live ASGI server and a real Celery worker.

Each test's last screen is saved under tests/browser/artifacts/ for review.
"""

import os
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import sync_playwright

from inbox.models import Channel
from inbox.sandbox.services.numbers import ensure_sandbox_number
from routing.models import AgentProfile, Queue
from tests.factories import MembershipFactory, TenantFactory, UserFactory, enrol_totp
from tests.live_servers import (  # noqa: F401 - fixtures
    asgi_server,
    celery_worker,
    use_sandbox_at,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Sync Playwright keeps an event loop in the test's thread; the test's own ORM calls are
    still plain synchronous code (Playwright's documented setting for Django tests)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    """Module-scoped: sync Playwright runs an event loop in this thread while it is open,
    which async tests elsewhere must not find."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """Opens pages in fresh browser contexts; screenshots each at the end of the test."""
    contexts = []

    def open_page(name: str = "page"):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        contexts.append((name, context))
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    ARTIFACTS.mkdir(exist_ok=True)
    for name, context in contexts:
        for i, page in enumerate(context.pages):
            page.screenshot(path=ARTIFACTS / f"{request.node.name}-{name}-{i}.png", full_page=True)
        context.close()


def current_totp(user) -> str:
    device = user.encryptedtotpdevice_set.get(confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def sign_in(page, base: str, user, password: str, *, mfa: bool) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", user.email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if mfa:
        page.wait_for_url("**/accounts/mfa/")
        page.fill("#id_code", current_totp(user))
        page.click("form:not([action]) button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)


SECRET, TOKEN = "browser-app-secret", "browser-access-token"


@pytest.fixture
def shop(asgi_server, settings):  # noqa: F811 - the fixture imported above
    use_sandbox_at(settings, asgi_server)
    settings.SANDBOX_STATUS_DELAY_S = 0.2
    tenant = TenantFactory(slug="shop", name="Shop")
    number = ensure_sandbox_number(
        phone_number_id="555000000000077",
        waba_id="555000000000076",
        app_secret=SECRET,
        access_token=TOKEN,
        verify_token="shop-verify",
        webhook_url=settings.SANDBOX_WEBHOOK_URL,
    )
    Channel.objects.create(
        tenant=tenant,
        name="Shop WhatsApp",
        waba_id=number.waba_id,
        phone_number_id=number.phone_number_id,
        display_phone_number=number.display_phone_number,
        app_secret=SECRET,
        access_token=TOKEN,
        verify_token="shop-verify",
    )
    Queue.objects.create(tenant=tenant, name="General", is_default=True)
    return tenant, number


def person(tenant, email, role):
    user = UserFactory(email=email, full_name=email.split("@")[0].title())
    membership = MembershipFactory(tenant=tenant, user=user, role=role)
    enrol_totp(user)
    AgentProfile.objects.create(
        tenant=tenant,
        membership=membership,
        user=user,
        presence="offline",
        channel_capacity={"whatsapp": 4},
        max_total=5,
    )
    return user
