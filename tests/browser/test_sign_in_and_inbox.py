"""A person signs in with password and TOTP, and works in the inbox: in a real Chromium."""

from datetime import timedelta

from django.utils import timezone

from contactcenter.accounts.models import Role
from inbox.models import Direction, Message
from tests.factories import (
    PASSWORD,
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    MembershipFactory,
    TenantFactory,
    UserFactory,
    enrol_totp,
)

from .conftest import sign_in

XSS = '<img src=x onerror="document.body.dataset.pwned=1">'


def member(tenant, email: str, role: str, *, mfa: bool):
    user = UserFactory(email=email, full_name=email.split("@")[0].title())
    MembershipFactory(tenant=tenant, user=user, role=role)
    if mfa:
        enrol_totp(user)
    return user


def test_admin_needs_password_and_totp_then_reaches_the_dashboard(asgi_server, new_page):
    tenant = TenantFactory(slug="browser", name="Browser Co")
    ChannelFactory(tenant=tenant)  # a company without a number sends its admin to connect one
    admin = member(tenant, "ada@browser.test", Role.ADMIN, mfa=True)
    page = new_page("admin")

    page.goto(f"{asgi_server}/inbox/")
    page.wait_for_url("**/accounts/login/**")
    sign_in(page, asgi_server, admin, PASSWORD, mfa=True)

    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", name="Queues").is_visible()


def test_wrong_password_says_so_without_saying_which_part(asgi_server, new_page):
    tenant = TenantFactory(slug="browser", name="Browser Co")
    agent = member(tenant, "ana@browser.test", Role.AGENT, mfa=False)
    page = new_page()

    page.goto(f"{asgi_server}/accounts/login/")
    page.fill("#id_email", agent.email)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")

    assert page.get_by_role("alert").inner_text().startswith("E-mail or password is not right")


def test_hostile_names_and_messages_render_as_text(asgi_server, new_page):
    tenant = TenantFactory(slug="browser", name="Browser Co")
    agent = member(tenant, "ana@browser.test", Role.AGENT, mfa=False)
    conversation = ConversationFactory(
        tenant=tenant,
        contact=ContactFactory(tenant=tenant, name=XSS),
        assignee=agent,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(minutes=5),
        last_message_preview=XSS,
    )
    Message.objects.create(
        tenant=tenant,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.INBOUND,
        kind="text",
        text=f"look {XSS}",
        wamid="wamid.xss",
        status="received",
    )
    page = new_page("agent")
    sign_in(page, asgi_server, agent, PASSWORD, mfa=False)

    page.goto(f"{asgi_server}/inbox/?c={conversation.pk}")

    thread = page.get_by_test_id("thread")
    assert XSS in thread.inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None
