"""Sign-in pages: password, second factor, enrolment, password change and reset, company
switch and invitations. Thin: forms shape input, services decide and audit."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_ratelimit.decorators import ratelimit

from contactcenter.clientip import request_ip
from contactcenter.errors import AppError

from . import mfa, services, tenancy
from .forms import CodeForm, LoginForm, NewAccountForm, PasswordResetForm, SwitchTenantForm
from .models import User
from .otp.models import EncryptedTOTPDevice
from .selectors import active_membership

NEXT_KEY = "after_login"


def _rate(name: str):
    """Rates read at request time, so settings (and tests) can change them."""
    return lambda group, request: getattr(settings, name)


def _posted_email(group, request) -> str:
    return request.POST.get("email", "").strip().lower()


def _user_key(group, request) -> str:
    return str(request.user.pk)


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse("home")


def ratelimited(request, exception=None):
    return render(request, "accounts/ratelimited.html", status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_rate("LOGIN_RATE_PER_IP"), method="POST", block=True)
@ratelimit(key=_posted_email, rate=_rate("LOGIN_RATE_PER_ACCOUNT"), method="POST", block=True)
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            known = User.objects.filter(email__iexact=email).first()
            services.record_login(email=email, user=known, succeeded=False, ip=request_ip(request))
            form.add_error(None, _("E-mail or password is not right. Check both and try again."))
        else:
            login(request, user)  # a new session key
            services.record_login(email=email, user=user, succeeded=True, ip=request_ip(request))
            request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
            return redirect(_after_password(user))
    return render(request, "accounts/login.html", {"form": form})


def _after_password(user: User) -> str:
    if not mfa.is_mfa_required(user):
        return reverse("accounts:done")
    return reverse("accounts:mfa_verify" if mfa.is_enrolled(user) else "accounts:mfa_enrol")


@login_required
def done(request):
    """Where every path in ends once the session may go on: the page asked for, else home."""
    return redirect(request.session.pop(NEXT_KEY, None) or reverse("home"))


@require_POST
def logout_view(request):
    user, session_key = request.user, request.session.session_key
    logout(request)  # first: a tab whose socket closes reloads into a signed-out session
    if user.is_authenticated:
        services.record_logout(user=user, ip=request_ip(request), session_key=session_key)
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="ip", rate=_rate("OTP_RATE_PER_IP"), method="POST", block=True)
@ratelimit(key=_user_key, rate=_rate("OTP_RATE_PER_ACCOUNT"), method="POST", block=True)
def mfa_verify(request):
    if not mfa.is_enrolled(request.user):
        return redirect("accounts:mfa_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        method = type(device).__name__ if device else "unknown"
        services.record_mfa_attempt(
            user=request.user, succeeded=device is not None, ip=request_ip(request), method=method
        )
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()
            return redirect("accounts:done")
        form.add_error("code", _("That code is not right, or was already used. Try the next one."))
    return render(request, "accounts/mfa_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key=_user_key, rate=_rate("OTP_RATE_PER_ACCOUNT"), method="POST", block=True)
def mfa_enrol(request):
    """Start (POST), scan the QR code, confirm with a first code; backup codes shown once."""
    verified_with = mfa.session_device(request.user, request.session)
    if not mfa.may_enrol(request.user, verified_with):
        return redirect("accounts:mfa_verify")
    if request.method == "POST" and request.POST.get("action") == "start":
        services.start_totp_enrolment(user=request.user, verified_with=verified_with)
        return redirect("accounts:mfa_enrol")
    device = (
        EncryptedTOTPDevice.objects.filter(user=request.user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            device, codes = services.confirm_totp_enrolment(
                user=request.user,
                token=form.cleaned_data["code"],
                verified_with=verified_with,
                ip=request_ip(request),
            )
        except AppError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)
            request.session.cycle_key()
            return render(request, "accounts/backup_codes.html", {"codes": codes})
    context = {
        "form": form,
        "device": device,
        "enrolled": mfa.is_enrolled(request.user),
        "is_reset_here": bool(request.membership and request.membership.mfa_reset_at),
    }
    if device is not None:
        context.update(qr_svg=_qr_svg(device.config_url), secret=_base32(device.bin_key))
    return render(request, "accounts/mfa_enrol.html", context)


def _qr_svg(url: str) -> str:
    """The otpauth:// URL as an inline SVG, drawn here (no outside image service sees it)."""
    buffer = BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10).save(buffer)
    return buffer.getvalue().decode()


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


@require_http_methods(["GET", "POST"])
@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.rotate_security_stamp(user)  # ends the user's other sessions
        update_session_auth_hash(request, user)  # but not this one
        services.record_password_change(user=user, ip=request_ip(request), via="change")
        messages.success(request, _("Password changed. Your other sessions were signed out."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Completing a reset ends every session and never signs in: the sign-in asks for MFA."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        services.rotate_security_stamp(form.user)
        services.record_password_change(user=form.user, ip=request_ip(self.request), via="reset")
        return response


password_reset = ratelimit(key="ip", rate=_rate("LOGIN_RATE_PER_IP"), method="POST", block=True)(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        form_class=PasswordResetForm,
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)


@require_POST
@login_required
def switch_tenant(request):
    form = SwitchTenantForm(request.POST)
    tenant_id = form.cleaned_data["tenant"] if form.is_valid() else None
    membership = active_membership(request.user, tenant_id) if tenant_id else None
    if membership is None or membership.tenant_id != tenant_id:
        raise Http404
    tenancy.bind_session(request.session, membership)
    return redirect("home")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    try:
        invitation = services.find_pending_invitation(token)
    except AppError as exc:
        return render(request, "accounts/invitation.html", {"error": exc.message}, status=404)
    user = request.user if request.user.is_authenticated else None
    form = None if user else NewAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            membership = services.accept_invitation(
                raw_token=token,
                user=user,
                ip=request_ip(request),
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else "",
            )
        except AppError as exc:
            return render(
                request,
                "accounts/invitation.html",
                {"invitation": invitation, "form": form, "error": exc.message},
            )
        if user is None:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        tenancy.bind_session(request.session, membership)
        return redirect(_after_password(membership.user))
    return render(request, "accounts/invitation.html", {"invitation": invitation, "form": form})


@require_POST
@login_required
def set_language(request):
    """The user's language override ("" follows the company's default)."""
    language = request.POST.get("language", "")
    if language and language not in dict(settings.LANGUAGES):
        raise Http404
    services.set_user_language(user=request.user, language=language)
    return redirect(_safe_next(request, request.POST.get("next")))
