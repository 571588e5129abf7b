"""The supervisor's live dashboard: a page, and its fragment that hub events refresh."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from contactcenter.accounts.decorators import membership_required, scope_required
from contactcenter.accounts.permissions import Scope
from reporting.selectors import live_dashboard


def supervisor(view):
    return login_required(membership_required(scope_required(Scope.DASHBOARD)(view)))


@require_GET
@supervisor
def dashboard(request):
    template = "reporting/_tiles.html" if request.htmx else "reporting/dashboard.html"
    return render(request, template, {"board": live_dashboard(request.tenant)})
