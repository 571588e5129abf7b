from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from contactcenter.accounts.decorators import membership_required
from contactcenter.accounts.permissions import Scope


@login_required
@membership_required
def home(request):
    if request.principal.can(Scope.DASHBOARD):
        return redirect("dashboard")
    return redirect("inbox")
