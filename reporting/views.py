"""The supervisor's live dashboard: a page, and its fragment that hub events refresh."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from contactcenter.accounts.permissions import Scope
from contactcenter.pages import page
from reporting.selectors import live_dashboard


@require_GET
@page(Scope.DASHBOARD)
def dashboard(request):
    template = "reporting/_tiles.html" if request.htmx else "reporting/dashboard.html"
    return render(request, template, {"board": live_dashboard(request.tenant)})
