from django.shortcuts import redirect

from contactcenter import landing
from contactcenter.accounts.permissions import Scope
from contactcenter.pages import page


@page()
def home(request):
    first_run = landing.first_run_url(request)
    if first_run:
        return redirect(first_run)
    if request.principal.can(Scope.DASHBOARD):
        return redirect("dashboard")
    return redirect("inbox")
