"""Shared pieces of the REST API: pagination and the one exception handler."""

import hashlib
import json

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from contactcenter.accounts import idempotency
from contactcenter.errors import AppError, ErrorCode, NotFound

# Primary keys are bigints: a larger number names nothing, so it is refused as input.
ID_MAX = 2**63 - 1


class ObjectIdField(serializers.IntegerField):
    """An object's id as input (a body field or a query parameter)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


def valid_query(serializer_class, request) -> dict:
    """The view's query parameters, validated by a serializer (a 400 in the envelope if not)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def request_fingerprint(request) -> str:
    """SHA-256 of what the request asks: the parsed body (key order aside) and the bytes of
    each uploaded file, so a retry with a new multipart boundary is still the same request."""
    data = request.data
    canonical = sorted(data.lists()) if hasattr(data, "lists") else data
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            digest.update(f"\n{name}:{upload.size}\n".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


class _Replay(Exception):
    """Raised by initial() to answer early with the stored response (not an error)."""

    def __init__(self, stored):
        self.stored = stored


class IdempotentWrites:
    """Mixin of every /api/v1 view that writes (a test checks): an `Idempotency-Key` header on
    POST/PUT/PATCH/DELETE is claimed after authentication, permissions and throttles, and the
    answer stored or the key released when the view is done (contactcenter.accounts.idempotency
    says why and how)."""

    idempotent_claim = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(idempotency.HEADER)
        if key is None or request.method in SAFE_METHODS:
            return
        row, is_new = idempotency.claim_request(
            request.principal.tenant,
            principal=request.principal,
            endpoint=f"{request.method} {request.path}",
            key=key,
            fingerprint=request_fingerprint(request),
        )
        if not is_new:
            raise _Replay(row)
        self.idempotent_claim = row

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            stored = exc.stored
            return Response(
                stored.response_body,
                status=stored.response_status,
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            return super().handle_exception(exc)
        except BaseException:
            self._settle(None)
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        self._settle(response)
        return response

    def _settle(self, response) -> None:
        claim, self.idempotent_claim = self.idempotent_claim, None
        if claim is None:
            return
        if response is not None and 200 <= response.status_code < 300:
            idempotency.complete_request(claim, status=response.status_code, body=response.data)
        else:
            idempotency.release_request(claim)


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
