"""Who may open the realtime hub: signed in, past MFA when required, with a company."""

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from contactcenter.asgi import application
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(cookie: str | None, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/", headers=headers)


@pytest.fixture
def alice_cookie(alice) -> str:
    return session_cookie(signed_in_client(alice))


@pytest.fixture
def bob_cookie(bob) -> str:
    return session_cookie(signed_in_client(bob))


@pytest.fixture
def alice_password_only_cookie(alice) -> str:
    client = Client()
    client.post(
        reverse("accounts:login"), {"email": alice.email, "password": "correct-horse-battery-9"}
    )
    return session_cookie(client)


async def close_code(ws: WebsocketCommunicator):
    connected, code = await ws.connect()
    if connected:
        await ws.disconnect()
        return None
    return code


async def test_anonymous_sockets_are_refused():
    assert await close_code(communicator(None)) == 4401


async def test_an_admin_who_has_not_passed_mfa_is_refused(alice_password_only_cookie):
    assert await close_code(communicator(alice_password_only_cookie)) == 4403


async def test_after_mfa_the_socket_opens_and_says_hello(alice_cookie, tenant_a):
    ws = communicator(alice_cookie)

    connected, _ = await ws.connect()
    hello = await ws.receive_json_from()

    assert connected and hello["type"] == "hello" and hello["tenant"] == tenant_a.slug
    await ws.disconnect()


async def test_a_foreign_origin_is_refused(bob_cookie):
    ws = communicator(bob_cookie, origin=b"https://evil.example")

    connected, _ = await ws.connect()

    assert not connected


async def test_a_malformed_frame_closes_only_that_socket(bob_cookie):
    bad, good = communicator(bob_cookie), communicator(bob_cookie)
    await bad.connect()
    await good.connect()
    await bad.receive_json_from()
    await good.receive_json_from()

    await bad.send_to(text_data="not json at all")
    closed = await bad.receive_output()
    await good.send_json_to({"type": "ping"})

    assert closed["type"] == "websocket.close" and closed["code"] == 4400
    assert (await good.receive_json_from())["type"] == "pong"
    await good.disconnect()
