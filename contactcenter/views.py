from django.shortcuts import redirect

from contactcenter.accounts.permissions import Scope
from contactcenter.pages import page


@page()
def home(request):
    if request.principal.can(Scope.DASHBOARD):
        return redirect("dashboard")
    return redirect("inbox")
