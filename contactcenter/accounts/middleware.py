"""Request tenancy and the MFA gate for browser sessions."""

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from contactcenter.errors import AppError, ErrorCode

from . import mfa, tenancy
from .tenancy import TENANT_SESSION_KEY

OPEN_PREFIXES = ("/webhooks/", "/sandbox/")
# What a signed-in user who still owes a step may reach: its page, a company switch, and out.
OWED_OPEN_PREFIXES = ("/accounts/logout/", "/accounts/company/", "/static/", "/i18n/")
STEP_PAGES = {
    mfa.SIGN_IN: "accounts:login",  # TenantMiddleware has already ended such a session
    mfa.VERIFY: "accounts:mfa_verify",
    mfa.ENROL: "accounts:mfa_enrol",
}


class TenantMiddleware:
    """Sets request.membership / request.tenant from the company the session is bound to (the
    user's first until they choose); a session whose company signed the person out ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.tenant = None
        if request.user.is_authenticated:
            membership, is_signed_out = tenancy.session_membership(request.user, request.session)
            if is_signed_out:
                logout(request)
            elif membership is not None:
                if TENANT_SESSION_KEY not in request.session:
                    tenancy.bind_session(request.session, membership)
                request.membership = membership
                request.tenant = membership.tenant
        return self.get_response(request)


class MfaGateMiddleware:
    """A user who owes MFA reaches only the page of the step owed until the session passes:
    an enrolled user only the verify page (so a password alone cannot set up a new device),
    a user with no device only the enrolment page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(OPEN_PREFIXES) or not request.user.is_authenticated:
            return self.get_response(request)
        step = mfa.next_step(request.user, request.session)
        if step is None or path.startswith(OWED_OPEN_PREFIXES):
            return self.get_response(request)
        page = reverse(STEP_PAGES[step])
        if path == page:
            return self.get_response(request)
        if path.startswith("/api/"):
            from django.http import JsonResponse

            error = AppError(
                "This account must complete two-factor sign-in in the browser first, "
                "or use an API token.",
                code=ErrorCode.MFA_REQUIRED,
                http_status=403,
            )
            return JsonResponse(error.as_body(), status=403)
        return redirect(page)


class LanguageMiddleware:
    """The user's own language, else the company's default (after TenantMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        language = ""
        if user.is_authenticated:
            language = user.language or (request.tenant.default_language if request.tenant else "")
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response
