from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from contactcenter.accounts.decorators import membership_required
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
