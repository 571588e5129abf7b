"""Admin pages of the inbox's catalogues: labels (admins) and canned responses (supervisors
and admins). Each view: form → access helper → one service → redirect."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.accounts.permissions import Scope
from contactcenter.pages import page, submit_form
from inbox import access, selectors
from inbox.forms import CannedResponseForm, LabelForm
from inbox.services import canned, labels


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def label_list(request):
    def save(form):
        labels.create_label(request.tenant, principal=request.principal, **form.cleaned_data)

    form = LabelForm(request.POST or None)
    return submit_form(
        request,
        form,
        save,
        done="inbox-labels-admin",
        template="inbox/admin/labels.html",
        labels=selectors.labels(request.tenant),
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def label_edit(request, label_id: int):
    label = access.access_label(request.principal, label_id)

    def save(form):
        labels.update_label(
            request.tenant, principal=request.principal, label=label, **form.cleaned_data
        )

    form = LabelForm(request.POST or None, initial={"name": label.name, "color": label.color})
    return submit_form(
        request,
        form,
        save,
        done="inbox-labels-admin",
        template="inbox/admin/label_form.html",
        label=label,
    )


@require_POST
@page(Scope.CONFIG)
def label_delete(request, label_id: int):
    label = access.access_label(request.principal, label_id)
    labels.delete_label(request.tenant, principal=request.principal, label=label)
    messages.success(request, _("Label %(name)s deleted.") % {"name": label.name})
    return redirect("inbox-labels-admin")


@require_http_methods(["GET"])
@page(Scope.CONVERSATIONS_ALL)
def canned_list(request):
    return render(
        request,
        "inbox/admin/canned.html",
        {"responses": selectors.canned_responses(request.tenant)},
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONVERSATIONS_ALL)
def canned_create(request):
    def save(form):
        canned.create_canned(request.tenant, principal=request.principal, **form.cleaned_data)

    form = CannedResponseForm(request.POST or None)
    return submit_form(
        request, form, save, done="inbox-canned-admin", template="inbox/admin/canned_form.html"
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONVERSATIONS_ALL)
def canned_edit(request, canned_id: int):
    response = access.access_canned(request.principal, canned_id)

    def save(form):
        canned.update_canned(
            request.tenant, principal=request.principal, canned=response, **form.cleaned_data
        )

    initial = {"shortcut": response.shortcut, "title": response.title, "body": response.body}
    form = CannedResponseForm(request.POST or None, initial=initial)
    return submit_form(
        request,
        form,
        save,
        done="inbox-canned-admin",
        template="inbox/admin/canned_form.html",
        response=response,
    )


@require_POST
@page(Scope.CONVERSATIONS_ALL)
def canned_delete(request, canned_id: int):
    response = access.access_canned(request.principal, canned_id)
    canned.delete_canned(request.tenant, principal=request.principal, canned=response)
    messages.success(
        request, _("Saved reply /%(shortcut)s deleted.") % {"shortcut": response.shortcut}
    )
    return redirect("inbox-canned-admin")
