"""The REST API's throttles, per token and per client IP, and the RateLimit-* headers.

Kept apart from contactcenter.api: DRF imports these classes while defining APIView, so this
module must not import rest_framework.views.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from django_ratelimit.core import get_usage
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from contactcenter.clientip import request_ip


@dataclass(frozen=True)
class RateLimit:
    """What a client has left in one throttle's current window, for the RateLimit-* headers."""

    limit: int
    remaining: int
    reset_s: int


class _WindowThrottle(BaseThrottle, ABC):
    """A fixed-window counter in the Redis cache, counted by django-ratelimit as the sign-in
    throttles are (one atomic INCR per request, so concurrent requests are all counted).

    The rate is read per request from DEFAULT_THROTTLE_RATES[scope] (tests change it). The
    throttle with the least left is kept on the Django request for RateLimitHeaders.
    """

    scope = ""

    @abstractmethod
    def ident(self, request) -> str | None:
        """Whom the request is counted for; None: not counted by this throttle."""

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        usage = get_usage(
            request,
            group=f"api.{self.scope}",
            key=lambda group, request: ident,
            rate=api_settings.DEFAULT_THROTTLE_RATES[self.scope],
            increment=True,
        )
        if usage is None:
            return True
        self.reset_s = max(usage["time_left"], 1)
        left = RateLimit(usage["limit"], max(usage["limit"] - usage["count"], 0), self.reset_s)
        django_request = request._request
        kept = getattr(django_request, "rate_limit", None)
        if kept is None or left.remaining < kept.remaining:
            django_request.rate_limit = left
        return not usage["should_limit"]

    def wait(self) -> float:
        return self.reset_s


class TokenRateThrottle(_WindowThrottle):
    """Per API token; a browser session counts per person."""

    scope = "token"

    def ident(self, request) -> str | None:
        principal = getattr(request, "principal", None)
        if principal is None:
            return None
        if principal.token is not None:
            return f"token:{principal.token.pk}"
        return f"user:{principal.user.pk}" if principal.user else None


class ClientIpRateThrottle(_WindowThrottle):
    """Per client IP (contactcenter.clientip: forwarded headers only from trusted proxies), so
    many tokens from one address cannot multiply the per-token rate."""

    scope = "ip"

    def ident(self, request) -> str | None:
        ip = request_ip(request._request)
        return f"ip:{ip}" if ip else None


class RateLimitHeaders:
    """Middleware: every throttled API answer says its limit, what is left and when the window
    resets (RateLimit-Limit / -Remaining / -Reset in seconds, as the IETF draft names them)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        left: RateLimit | None = getattr(request, "rate_limit", None)
        if left is not None:
            response["RateLimit-Limit"] = str(left.limit)
            response["RateLimit-Remaining"] = str(left.remaining)
            response["RateLimit-Reset"] = str(left.reset_s)
        return response
