"""Admin pages of a company: people and roles, invitations, API tokens, audit log, settings.

Every object is looked up within the admin's own company (another company's id is a 404).
"""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactcenter.clientip import request_ip
from contactcenter.errors import AppError, NotFound
from contactcenter.pages import page

from . import mfa, selectors, services
from .manage_forms import AuditFilterForm, InviteForm, RoleForm, TenantSettingsForm, TokenForm
from .permissions import Scope


def _get(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _done(request, target: str, error: AppError | None = None, ok: str = ""):
    if error is not None:
        messages.error(request, error.message)
    elif ok:
        messages.success(request, ok)
    return redirect(target)


@require_GET
@page(Scope.USERS)
def members(request):
    rows = [(m, mfa.is_enrolled(m.user)) for m in selectors.tenant_memberships(request.tenant)]
    return render(request, "accounts/manage/members.html", {"rows": rows, "role_form": RoleForm()})


@require_POST
@page(Scope.USERS)
def member_action(request, membership_id: int, action: str):
    membership = _get(selectors.tenant_memberships(request.tenant), membership_id)
    kwargs = {"principal": request.principal, "membership": membership, "ip": request_ip(request)}
    try:
        if action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise AppError(_("Choose agent, supervisor or admin."))
            services.change_role(request.tenant, role=form.cleaned_data["role"], **kwargs)
        elif action == "deactivate":
            services.deactivate_membership(request.tenant, **kwargs)
        elif action == "sign_out":
            services.sign_out_member(request.tenant, **kwargs)
        else:
            services.reset_mfa(request.tenant, **kwargs)
    except AppError as exc:
        return _done(request, "manage:members", exc)
    return _done(request, "manage:members", ok=_("Saved."))


@require_http_methods(["GET", "POST"])
@page(Scope.USERS)
def invitations(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(
                request.tenant,
                principal=request.principal,
                ip=request_ip(request),
                **form.cleaned_data,
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, "manage:invitations", ok=_("Invitation sent."))
    pending = [i for i in selectors.tenant_invitations(request.tenant) if i.is_pending]
    return render(
        request, "accounts/manage/invitations.html", {"form": form, "invitations": pending}
    )


@require_POST
@page(Scope.USERS)
def invitation_revoke(request, invitation_id: int):
    invitation = _get(selectors.tenant_invitations(request.tenant), invitation_id)
    services.revoke_invitation(
        request.tenant, principal=request.principal, invitation=invitation, ip=request_ip(request)
    )
    return _done(request, "manage:invitations", ok=_("Invitation revoked."))


@require_http_methods(["GET", "POST"])
@page(Scope.TOKENS)
def tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.create_api_token(
                request.tenant,
                principal=request.principal,
                ip=request_ip(request),
                **form.cleaned_data,
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            # Shown once, on this response only: only its hash is stored.
            return render(
                request, "accounts/manage/token_created.html", {"token": token, "raw": raw}
            )
    context = {"form": form, "tokens": selectors.tenant_tokens(request.tenant)}
    return render(request, "accounts/manage/tokens.html", context)


@require_POST
@page(Scope.TOKENS)
def token_revoke(request, token_id: int):
    token = _get(selectors.tenant_tokens(request.tenant), token_id)
    services.revoke_api_token(
        request.tenant, principal=request.principal, token=token, ip=request_ip(request)
    )
    return _done(request, "manage:tokens", ok=_("Token revoked: it stops working at once."))


@require_GET
@page(Scope.AUDIT)
def audit(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    until = filters.get("until")
    events = selectors.audit_events(
        request.tenant,
        action=filters.get("action") or None,
        actor_id=filters.get("actor"),
        since=_start_of(filters.get("since")),
        until=_start_of(until + timedelta(days=1) if until else None),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": request.GET.copy()}
    return render(request, "accounts/manage/audit.html", context)


def _start_of(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def tenant_settings(request):
    form = TenantSettingsForm(request.POST or None, instance=request.tenant)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.changed_data}
        if changes:
            services.update_tenant_settings(
                selectors.tenant_for_update(request.tenant),
                principal=request.principal,
                ip=request_ip(request),
                **changes,
            )
        return _done(request, "manage:settings", ok=_("Saved."))
    return render(request, "accounts/manage/settings.html", {"form": form})
