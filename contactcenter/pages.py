"""What the admin pages share: a 404 for objects the principal may not touch, and the
post → service → redirect (or the form again, with the service's message) cycle."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from contactcenter.errors import AppError, NotFound


def get_or_404(access, request, object_id):
    try:
        return access(request.principal, object_id)
    except NotFound as exc:
        raise Http404 from exc


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
