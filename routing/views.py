"""The routing admin page: skills, queues and agents' skills (the REST API covers the rest:
rules, business hours, every queue setting)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contactcenter.accounts.decorators import membership_required, scope_required
from contactcenter.accounts.permissions import Scope
from contactcenter.errors import AppError
from routing import selectors
from routing.forms import AgentSkillForm, QueueForm, SkillForm
from routing.models import Queue, Skill
from routing.services import config


def routing_admin(view):
    return login_required(membership_required(scope_required(Scope.CONFIG)(view)))


def _saved(request, error: AppError | None = None):
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("routing-admin")


@require_GET
@routing_admin
def overview(request):
    skills = selectors.skills(request.tenant)
    context = {
        "skills": skills,
        "queues": selectors.queues(request.tenant),
        "agents": selectors.agents(request.tenant),
        "rules": selectors.rules(request.tenant),
        "skill_form": SkillForm(),
        "queue_form": QueueForm(skills=skills),
        "agent_form": AgentSkillForm(skills=skills),
    }
    return render(request, "routing/overview.html", context)


@require_POST
@routing_admin
def add_skill(request):
    form = SkillForm(request.POST)
    if not form.is_valid():
        return _saved(request, AppError(_("Give the skill a name.")))
    config.save_config(
        request.tenant,
        principal=request.principal,
        instance=Skill(),
        fields={"name": form.cleaned_data["name"]},
    )
    return _saved(request)


@require_POST
@routing_admin
def add_queue(request):
    form = QueueForm(request.POST, skills=selectors.skills(request.tenant))
    if not form.is_valid():
        return _saved(request, AppError(form.errors.as_text()))
    data = form.cleaned_data
    skills = [(data["skill"], data["level"])] if data["skill"] else []
    fields = {k: data[k] for k in ("name", "priority", "assignment_mode", "is_default")}
    config.save_config(
        request.tenant, principal=request.principal, instance=Queue(), fields=fields, skills=skills
    )
    return _saved(request)


@require_POST
@routing_admin
def set_agent_skill(request, agent_id: int):
    agent = selectors.agents(request.tenant).filter(pk=agent_id).first()
    if agent is None:
        raise Http404
    form = AgentSkillForm(request.POST, skills=selectors.skills(request.tenant))
    if not form.is_valid():
        return _saved(request, AppError(form.errors.as_text()))
    current = {s.skill_id: s.proficiency for s in agent.agent_skills.all()}
    current[form.cleaned_data["skill"].pk] = form.cleaned_data["level"]
    skills = [(s, current[s.pk]) for s in selectors.skills(request.tenant) if s.pk in current]
    try:
        config.update_agent_profile(
            request.tenant,
            principal=request.principal,
            agent=agent,
            fields={"max_total": form.cleaned_data["max_total"]},
            skills=skills,
        )
    except AppError as exc:
        return _saved(request, exc)
    return _saved(request)
