from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from contactcenter.accounts.decorators import membership_required, scope_required
from contactcenter.accounts.permissions import Scope


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@membership_required
def home(request):
    if request.principal.can(Scope.DASHBOARD):
        return redirect("dashboard")
    return redirect("inbox")


# Filled by the reporting issue; the frame is in place from the foundation.
@login_required
@membership_required
@scope_required(Scope.DASHBOARD)
def dashboard_placeholder(request) -> HttpResponse:
    return render(request, "contactcenter/placeholder.html", {"section": "dashboard"})
