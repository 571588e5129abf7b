"""What every page view shares: who may open it (`page`), one 404 for objects the principal may
not touch, and the post → service → redirect (or the form again, with the service's message)
cycle."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from contactcenter.accounts.decorators import membership_required, scope_required
from contactcenter.accounts.permissions import Scope
from contactcenter.errors import AppError, NotFound


def page(scope: Scope | None = None):
    """A page of a company: signed in, with an active membership (sets request.principal) and,
    when named, the scope. A NotFound that leaves the view (an access helper's "missing or not
    yours") is the 404 page, here once rather than in every view."""

    def decorator(view):
        @wraps(view)
        def not_found_is_404(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc

        checked = scope_required(scope)(not_found_is_404) if scope else not_found_is_404
        return login_required(membership_required(checked))

    return decorator


def submit_form(request, form, save, *, done: str, template: str, **context):
    """Saves a valid posted form through `save(form)`; a service's refusal shows on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(done)
    return render(request, template, {"form": form, **context})
