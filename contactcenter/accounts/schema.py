"""How the API's authenticators appear in the OpenAPI schema (registered on import)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "contactcenter.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cc_<prefix>_<secret>"}


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "contactcenter.accounts.authentication.VerifiedSessionAuthentication"
    name = "browserSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
