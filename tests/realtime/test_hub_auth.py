"""Who may open the realtime hub (signed in, past MFA when required, with a company), and
what a malformed frame does: it closes that socket only."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import signed_in_client

from .hub import closed_with, communicator, opened, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


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


async def close_code(ws):
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

    assert connected and hello == {"type": "hello", "tenant": tenant_a.slug, "role": "admin"}
    await ws.disconnect()


async def test_a_foreign_origin_is_refused(bob_cookie):
    ws = communicator(bob_cookie, origin=b"https://evil.example")

    connected, _ = await ws.connect()

    assert not connected


@pytest.mark.parametrize(
    "frame",
    [
        "not json at all",
        "[1, 2]",
        '"ping"',
        '{"type": "dance"}',
        '{"kind": "ping"}',
        '{"type": "ping", "extra": 1}',
        '{"type": "subscribe"}',
        '{"type": "subscribe", "conversation": "12"}',
        '{"type": "subscribe", "conversation": true}',
        '{"type": "subscribe", "conversation": -3}',
        '{"type": "unsubscribe", "conversation": [1]}',
        '{"type": "subscribe", "group": "t1.supervisors"}',
        '{"type": "catch_up"}',
        '{"type": "catch_up", "last_seq": -1}',
        '{"type": "catch_up", "last_seq": "7"}',
        '{"type": "catch_up", "last_seq": 7, "group": "t1.supervisors"}',
        '{"type": "ping", "pad": "' + "x" * 5000 + '"}',
    ],
)
async def test_a_malformed_frame_closes_only_that_socket(bob_cookie, frame):
    bad, good = await opened(bob_cookie), await opened(bob_cookie)

    await bad.send_to(text_data=frame)
    code = await closed_with(bad)
    await good.send_json_to({"type": "ping"})

    assert code == 4400
    assert (await good.receive_json_from())["type"] == "pong"
    await good.disconnect()


async def test_a_binary_frame_closes_the_socket(bob_cookie):
    ws = await opened(bob_cookie)

    await ws.send_to(bytes_data=b'{"type": "ping"}')

    assert await closed_with(ws) == 4400


@pytest.mark.parametrize("query", ["last_seq=abc", "last_seq=-1", "last_seq=1.5", "last_seq="])
async def test_a_malformed_cursor_closes_the_socket(bob_cookie, query):
    ws = communicator(bob_cookie, path=f"/ws/?{query}")

    connected, _ = await ws.connect()

    assert connected and await closed_with(ws) == 4400
