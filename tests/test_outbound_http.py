"""The one outbound transport: the address guard at connect time, no redirects, capped answers,
and errors that say whether the other side may have the request. Real servers on loopback."""

import ast
import ipaddress
import sys
import time
from pathlib import Path

import pytest

from contactcenter.outbound_http import (
    DestinationRefused,
    OutboundClient,
    OutcomeUnknown,
    RequestNotSent,
    ResponseTooLarge,
    is_public_address,
)
from tests.live_servers import allow_outbound
from tests.production import production_env, run
from tests.remote_server import answer

# Each is 127.0.0.1 (or this machine) however it is spelt.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",  # decimal
    "017700000001",  # octal, one number
    "0177.1",  # octal, short form
    "0x7f.0.0.1",  # hex
    "0x7f000001",
    "127.1",
    "0",  # 0.0.0.0 reaches local listeners on Linux
    "[::ffff:127.0.0.1]",  # IPv6-mapped IPv4
    "[::ffff:7f00:1]",
    "localhost",  # a name that resolves to loopback
]


def get(url: str, **kwargs):
    with OutboundClient(**kwargs) as client:
        return client.request("GET", url)


@pytest.fixture
def internal(remote_server):
    """An internal service an attacker would like the platform to read."""
    return remote_server()


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_before_connecting(internal, host):
    with pytest.raises(DestinationRefused) as refused:
        get(f"http://{host}:{internal.port}/latest/meta-data/")

    assert not refused.value.may_have_reached
    assert internal.connections == 0


def test_a_dotted_octal_address_never_leaves_either(internal):
    # httpx refuses this spelling as an invalid URL before any connect.
    with pytest.raises(RequestNotSent):
        get(f"http://0177.0.0.1:{internal.port}/")

    assert internal.connections == 0


def test_a_name_resolving_to_loopback_is_refused_naming_the_address(internal):
    with pytest.raises(DestinationRefused) as refused:
        get(f"http://localhost:{internal.port}/")

    assert "127.0.0.1" in str(refused.value) and internal.connections == 0


def test_an_allowed_endpoint_opens_that_port_only(settings, remote_server):
    sandbox, redis_like = remote_server(), remote_server()
    allow_outbound(settings, sandbox.url)

    assert get(f"{sandbox.url}/").content == b"internal secret"
    with pytest.raises(DestinationRefused):
        get(f"http://127.0.0.1:{redis_like.port}/")
    assert redis_like.connections == 0


def test_an_allowed_network_opens_it(settings, internal):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    assert get(f"http://2130706433:{internal.port}/").status_code == 200


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # AWS, GCP, Azure metadata
        "fd00:ec2::254",  # AWS metadata over IPv6
        "100.100.100.200",  # Alibaba metadata (shared address space)
        "192.0.0.192",  # Oracle metadata
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "0.0.0.0",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["157.240.0.35", "2a03:2880:f12f:83:face:b00c::25de"])
def test_public_addresses_pass(address):
    assert is_public_address(ipaddress.ip_address(address))


def test_a_redirect_is_returned_not_followed(settings, remote_server, internal):
    bouncer = remote_server(
        {"/": lambda h: answer(h, 302, b"", Location=f"{internal.url}/latest/meta-data/")}
    )
    allow_outbound(settings, bouncer.url, internal.url)

    response = get(f"{bouncer.url}/")

    assert response.status_code == 302 and internal.connections == 0


def _endless(handler):
    handler.send_response(200)
    handler.end_headers()  # no Content-Length: the body runs until the connection closes
    handler.server.sent = 0
    chunk = b"x" * 65536
    try:
        while handler.server.sent < 50 * 1024 * 1024:
            handler.wfile.write(chunk)
            handler.server.sent += len(chunk)
    except OSError:
        pass  # the client hung up, as it should


def test_an_answer_over_the_cap_is_cut_off_while_streaming(settings, remote_server):
    flood = remote_server({"/": _endless})
    allow_outbound(settings, flood.url)

    with pytest.raises(ResponseTooLarge):
        get(f"{flood.url}/", max_response_bytes=1024 * 1024)

    time.sleep(0.2)  # let the server notice the hang-up
    assert flood.server.sent < 20 * 1024 * 1024


def test_an_announced_length_over_the_cap_is_refused_unread(settings, remote_server):
    big = remote_server({"/": lambda h: answer(h, 200, b"x" * 4096)})
    allow_outbound(settings, big.url)

    with pytest.raises(ResponseTooLarge, match="announces 4096"):
        get(f"{big.url}/", max_response_bytes=1000)


def test_a_refused_connection_certainly_did_not_reach(settings):
    # Port 9 is allowed by the tests' settings and refuses connections.
    with pytest.raises(RequestNotSent) as error:
        get("http://127.0.0.1:9/")

    assert not error.value.may_have_reached


def _silent(handler):
    time.sleep(2)


def _hang_up(handler):
    handler.close_connection = True  # read the request, then close without a word


@pytest.mark.parametrize("route", [_silent, _hang_up], ids=["read timeout", "dropped"])
def test_no_answer_after_the_request_was_written_may_have_reached(settings, remote_server, route):
    remote = remote_server({"/messages": route})
    allow_outbound(settings, remote.url)

    with (
        pytest.raises(OutcomeUnknown) as error,
        OutboundClient(timeout_s=0.3) as client,
    ):
        client.request("POST", f"{remote.url}/messages", json={"text": "hello"})

    assert error.value.may_have_reached
    assert remote.requests[0]["body"] == b'{"text":"hello"}'  # it did have it


PRINT_OUTBOUND_SETTINGS = """
import django
django.setup()
from django.conf import settings
print(settings.GRAPH_API_BASE, settings.OUTBOUND_ALLOWED_ENDPOINTS,
      settings.OUTBOUND_ALLOWED_NETWORKS, settings.MEDIA_ALLOWED_HOSTS)
"""


def test_production_allows_no_private_address_and_talks_to_meta():
    result = run([sys.executable, "-c", PRINT_OUTBOUND_SETTINGS], production_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" [")[0] == "https://graph.facebook.com"
    assert "[] [] ['lookaside.fbsbx.com', '*.fbcdn.net', '*.whatsapp.net']" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [("OUTBOUND_ALLOWED_ENDPOINTS", "sandbox"), ("OUTBOUND_ALLOWED_NETWORKS", "10.0.0.1/8")],
)
def test_a_malformed_allow_list_stops_the_start_naming_it(name, value):
    result = run([sys.executable, "manage.py", "check"], production_env(**{name: value}))

    assert result.returncode != 0 and name in result.stderr


HTTP_CLIENT_MODULES = {"httpx", "httpcore", "requests", "urllib3", "aiohttp", "pycurl"}
THE_TRANSPORT = Path("contactcenter/outbound_http.py")


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def _product_sources(root: Path):
    yield from root.glob("*.py")
    for folder in root.iterdir():
        if folder.is_dir() and (folder / "__init__.py").exists() and folder.name != "tests":
            yield from folder.rglob("*.py")


def test_no_product_code_but_the_transport_makes_http_calls():
    root = Path(__file__).resolve().parents[1]
    offenders = [
        f"{path.relative_to(root)}: {module}"
        for path in _product_sources(root)
        if path.relative_to(root) != THE_TRANSPORT
        for module in _imported_modules(path)
        if module.split(".")[0] in HTTP_CLIENT_MODULES
        or module.startswith(("urllib.request", "http.client"))
    ]

    assert not offenders, f"outbound HTTP goes through {THE_TRANSPORT}: {offenders}"
