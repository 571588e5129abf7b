"""DRF authentication: tenant API tokens (Bearer) and MFA-verified browser sessions."""

from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from rest_framework import authentication, exceptions

from contactcenter.api_throttles import ClientIpRateThrottle

from . import mfa
from .models import ApiToken
from .services import TOKEN_KEY_PREFIX, hash_secret, touch_api_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cc_<prefix>_<secret>`; request.auth is the token, user anonymous."""

    keyword = "Bearer"

    def authenticate(self, request):
        """A refused key counts against the client IP's rate like any request (DRF throttles
        run only after authentication), so guessing keys is throttled too."""
        try:
            return self._authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle = ClientIpRateThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(throttle.wait()) from None
            raise

    def _authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{self.keyword} "):
            return None
        raw = header[len(self.keyword) + 1 :].strip()
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_KEY_PREFIX:
            raise exceptions.AuthenticationFailed("Malformed API token. Copy the whole key.")
        token = ApiToken.objects.select_related("tenant").filter(prefix=parts[1]).first()
        if token is None or not constant_time_compare(token.key_hash, hash_secret(raw)):
            raise exceptions.AuthenticationFailed("Unknown API token.")
        if not token.is_active:
            raise exceptions.AuthenticationFailed(
                "This API token was revoked. Ask an admin for a new one."
            )
        touch_api_token(token)
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, with CSRF, and only once MFA is passed when the user needs it."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        if not mfa.passes_mfa(user, request._request.session):
            raise exceptions.PermissionDenied("Complete two-factor sign-in first.")
        return result
