"""The client's IP address, for rate limits and the audit log.

Forwarded headers are believed only from proxies the operator named (TRUSTED_PROXIES): with
none configured, anyone could write `X-Forwarded-For: <any address>` and pick the IP their
requests are counted and audited under. Uvicorn runs with `--no-proxy-headers`, so the peer
address it gives us is the TCP peer and this module alone decides.
"""

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _trusted(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def resolve_client_ip(peer: str | None, forwarded_for: str | None) -> str | None:
    """The first address, from the right, that no trusted proxy claims to have forwarded for.

    Each trusted proxy appends the address it received the request from; walking from the
    right and stopping at the first untrusted hop ignores whatever the client itself wrote.
    """
    if not peer or not forwarded_for or not _is_trusted(peer):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    address = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed hop: the last address a trusted proxy vouched for
        address = hop
        if not _is_trusted(hop):
            return hop
    return address


def request_ip(request) -> str | None:
    """The client IP of a Django request."""
    return resolve_client_ip(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR")
    )


def scope_ip(scope) -> str | None:
    """The client IP of an ASGI scope (websocket consumers, the lean webhook route)."""
    client = scope.get("client") or (None, None)
    forwarded = dict(scope.get("headers") or []).get(b"x-forwarded-for")
    return resolve_client_ip(client[0], forwarded.decode("latin-1") if forwarded else None)
