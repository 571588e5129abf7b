"""Shared pieces of the REST API: pagination, throttles and the one exception handler."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_ratelimit.core import get_usage
from rest_framework import exceptions as drf_exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import exception_handler as drf_default_handler

from contactcenter.clientip import request_ip
from contactcenter.errors import AppError, ErrorCode, NotFound


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@dataclass(frozen=True)
class RateLimit:
    """What a client has left in one throttle's current window, for the RateLimit-* headers."""

    limit: int
    remaining: int
    reset_s: int


class _WindowThrottle(BaseThrottle):
    """A fixed-window counter in the Redis cache, counted by django-ratelimit as the sign-in
    throttles are (one atomic INCR per request, so concurrent requests are all counted).

    The rate is read per request from DEFAULT_THROTTLE_RATES[scope] (tests change it). The
    throttle with the least left is kept on the Django request for RateLimitHeaders.
    """

    scope = ""

    def ident(self, request) -> str | None:
        raise NotImplementedError

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


_DRF_CODES = {
    drf_exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    drf_exceptions.AuthenticationFailed: ErrorCode.NOT_AUTHENTICATED,
    drf_exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    drf_exceptions.NotFound: ErrorCode.NOT_FOUND,
    drf_exceptions.ValidationError: ErrorCode.VALIDATION,
    drf_exceptions.Throttled: ErrorCode.THROTTLED,
    drf_exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    drf_exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    drf_exceptions.ParseError: ErrorCode.VALIDATION,
}


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every API error has the same body."""
    if isinstance(exc, AppError):
        return Response(exc.as_body(), status=exc.http_status)
    if isinstance(exc, Http404):
        return Response(NotFound().as_body(), status=404)
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied(str(exc) or None)
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), ErrorCode.ERROR)
    if isinstance(exc, drf_exceptions.ValidationError):
        message = "Some fields are not valid; see extra.fields and correct them."
        extra = {"fields": response.data}
    else:
        message = (
            str(response.data.get("detail", exc)) if isinstance(response.data, dict) else str(exc)
        )
        extra = {}
    if isinstance(exc, drf_exceptions.Throttled) and exc.wait:
        extra["retry_after_s"] = int(exc.wait)
    response.data = {"code": str(code), "message": message, "extra": extra}
    return response
