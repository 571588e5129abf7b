"""The one way the platform calls out over HTTP: the Graph API, media downloads, the sandbox's
webhooks to our receiver, and later CRM webhooks and lookups. Nothing else builds an httpx client.

Every call has timeouts (per operation and in total), follows no redirect, reads at most a
capped number of bytes, and passes an address guard at connect time: the host name is resolved
once, every address it resolves to is checked, and the socket is opened to that very address,
so a name that answers "public" to a check and "127.0.0.1" to the connect (DNS rebinding) gains
nothing. Numeric spellings of an address (http://2130706433/, http://0177.0.0.1/,
http://[::ffff:127.0.0.1]/) reach the resolver as names and come back as the address they mean,
which is what the guard checks. Loopback, private, link-local (cloud metadata), shared, reserved,
unspecified and multicast addresses are refused unless the operator allows the endpoint
(OUTBOUND_ALLOWED_ENDPOINTS, host:port) or the network (OUTBOUND_ALLOWED_NETWORKS).

Failures tell the caller whether the other side may have the request, so a send is never
repeated blindly: RequestNotSent (refused, unresolvable, connect timeout, guard) was certainly
not received; OutcomeUnknown (read timeout, connection dropped after the write) may have been
acted on.
"""

import contextlib
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0  # each read or write
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_TOTAL_TIMEOUT_S = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not left to `is_global` alone, whose tables changed between Python releases: shared address
# space (100.64/10, Alibaba's metadata at 100.100.100.200), IETF protocol assignments
# (192.0.0/24, Oracle's metadata at 192.0.0.192), benchmarking, and AWS's IPv6 metadata.
REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "fd00:ec2::254/128",
    )
)


class OutboundError(Exception):
    """No usable answer. `may_have_reached`: the other side may have received the request."""

    may_have_reached = True

    def __init__(self, message: str, *, url: str = ""):
        super().__init__(message)
        self.url = url


class RequestNotSent(OutboundError):
    """Certainly not received: nothing was written to the other side (safe to send again)."""

    may_have_reached = False


class DestinationRefused(RequestNotSent):
    """The address guard (or a caller's host list) refused the destination."""


class OutcomeUnknown(OutboundError):
    """The request was (or may have been) written, and no complete answer came back."""


class ResponseTooLarge(OutboundError):
    """The other side answered with more bytes than the caller accepts; it had the request."""


@dataclass(frozen=True)
class Response:
    """An answer read in full (within the cap)."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


def is_public_address(address: IPAddress) -> bool:
    """An address on the public internet: none of ours, our cloud's, or a special range."""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or any(address in network for network in REFUSED_NETWORKS)
    ):
        return False
    if address.version == 6:
        if address.is_site_local:
            return False
        if address.sixtofour is not None:  # 2002::/16 carries an IPv4 address
            return is_public_address(address.sixtofour)
    return True


def _parse_endpoint(entry: str) -> tuple[str, int]:
    parts = urlsplit(f"//{entry.strip()}")
    if not parts.hostname or not parts.port:
        raise ValueError(f"OUTBOUND_ALLOWED_ENDPOINTS entry {entry!r} is not host:port")
    return parts.hostname.lower(), parts.port


def _allowed_endpoints() -> set[tuple[str, int]]:
    endpoints = set()
    for entry in settings.OUTBOUND_ALLOWED_ENDPOINTS:
        host, port = _parse_endpoint(entry)
        with contextlib.suppress(ValueError):  # an address matches however a URL spells it
            host = str(ipaddress.ip_address(host))
        endpoints.add((host, port))
    return endpoints


def is_permitted(host: str, port: int, address: IPAddress) -> bool:
    """The guard's verdict on connecting to `address` for `host:port`."""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    endpoints = _allowed_endpoints()
    if (host.lower(), port) in endpoints or (str(address), port) in endpoints:
        return True
    if any(address in ipaddress.ip_network(n) for n in settings.OUTBOUND_ALLOWED_NETWORKS):
        return True
    return is_public_address(address)


def host_matches(url: str, patterns: Iterable[str]) -> bool:
    """Whether an http(s) URL's host is one of `patterns` ("host" or "*.domain")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket layer with the address guard between name resolution and connect."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise RequestNotSent(f"{host} does not resolve: {exc}") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        # One forbidden answer refuses the name: a mix of public and private is a rebinding try.
        refused = [a for a in addresses if not is_permitted(host, port, a)]
        if refused or not addresses:
            raise DestinationRefused(
                f"{host}:{port} resolves to {', '.join(map(str, refused))}, which outbound "
                "calls may not reach (OUTBOUND_ALLOWED_ENDPOINTS / OUTBOUND_ALLOWED_NETWORKS)"
            )
        last_error: Exception | None = None
        for address in addresses:
            target = str(address.ipv4_mapped or address) if address.version == 6 else str(address)
            try:
                return super().connect_tcp(
                    target,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self):
        limits = httpx.Limits(max_connections=20)
        # No environment proxies: a proxy would make the connect go somewhere the guard never saw.
        super().__init__(trust_env=False, limits=limits)
        # httpx takes no network backend, so the pool it built is replaced by the same pool
        # with ours (httpcore's documented extension point).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )


# Raised before anything is written to the socket; every other transport error may come after.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


class OutboundClient:
    """A client for one kind of call (base URL, headers, limits); use it as a context manager."""

    def __init__(
        self,
        *,
        base_url: str = "",
        headers: dict | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        total_timeout_s: float = DEFAULT_TOTAL_TIMEOUT_S,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ):
        self.total_timeout_s = total_timeout_s
        self.max_response_bytes = max_response_bytes
        self._http = httpx.Client(
            base_url=base_url,
            # Identity, so the size cap counts what the other side sent, not a decompressed bomb.
            headers={"Accept-Encoding": "identity", **(headers or {})},
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            follow_redirects=False,
            trust_env=False,
            transport=GuardedTransport(),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "OutboundClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        max_response_bytes: int | None = None,
        total_timeout_s: float | None = None,
        **kwargs,
    ) -> Response:
        """Sends and reads the whole answer (any status; a redirect is returned, not followed)."""
        cap = max_response_bytes or self.max_response_bytes
        deadline_s = total_timeout_s or self.total_timeout_s
        started = time.monotonic()
        outcome, host = "error", ""
        try:
            request = self._http.build_request(method, url, **kwargs)
            host = request.url.host
            response = self._http.send(request, stream=True)
            try:
                outcome = str(response.status_code)
                content = self._read(
                    response, cap=cap, deadline=started + deadline_s, url=str(request.url)
                )
            finally:
                response.close()
            return Response(response.status_code, response.headers, content)
        except OutboundError as exc:
            outcome = type(exc).__name__
            raise
        except httpx.InvalidURL as exc:
            outcome = "InvalidURL"
            raise RequestNotSent(str(exc), url=url) from exc
        except _NOT_SENT as exc:
            outcome = type(exc).__name__
            raise RequestNotSent(f"{type(exc).__name__}: {exc}", url=url) from exc
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
            raise OutcomeUnknown(f"{type(exc).__name__}: {exc}", url=url) from exc
        finally:
            logger.info(
                "outbound %s %s -> %s in %d ms",
                method,
                host,
                outcome,
                (time.monotonic() - started) * 1000,
            )

    @staticmethod
    def _read(response: httpx.Response, *, cap: int, deadline: float, url: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"the answer announces {declared} bytes (cap {cap})", url=url)
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"the answer exceeds {cap} bytes", url=url)
            if time.monotonic() > deadline:
                raise OutcomeUnknown("the answer did not arrive in time", url=url)
            chunks.append(chunk)
        return b"".join(chunks)
