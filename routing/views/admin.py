"""Routing admin pages: queues, skills, agents' skills and capacity, rules, business hours.

Admins only. Each view: form → access helper → one service or selector → template. The
services check the rules; their message is shown on the form.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactcenter.accounts.permissions import Scope
from contactcenter.pages import page, submit_form
from routing import selectors
from routing.forms import AgentProfileForm, BusinessHoursForm, QueueForm, RoutingRuleForm, SkillForm
from routing.services import config

# --- queues ----------------------------------------------------------------------------------


@require_GET
@page(Scope.CONFIG)
def queue_list(request):
    return render(request, "routing/queues.html", {"queues": selectors.queues(request.tenant)})


def _queue_form(request, queue=None) -> QueueForm:
    tenant = request.tenant
    return QueueForm(
        request.POST or None,
        skills=selectors.skills(tenant),
        queues=selectors.queues(tenant),
        hours=selectors.business_hours(tenant),
        queue=queue,
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def queue_create(request):
    def save(form):
        settings = form.settings()
        config.create_queue(
            request.tenant,
            principal=request.principal,
            required_skills=form.skill_levels(),
            **settings,
        )

    form = _queue_form(request)
    return submit_form(
        request, form, save, done="routing-admin", template="routing/queue_form.html"
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def queue_edit(request, queue_id: int):
    queue = selectors.access_queue(request.principal, queue_id)

    def save(form):
        config.update_queue(
            request.tenant,
            principal=request.principal,
            queue=queue,
            required_skills=form.skill_levels(),
            **form.settings(),
        )

    form = _queue_form(request, queue)
    return submit_form(
        request, form, save, done="routing-admin", template="routing/queue_form.html", queue=queue
    )


# --- skills ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def skill_list(request):
    def save(form):
        config.create_skill(request.tenant, principal=request.principal, **form.cleaned_data)

    skills = selectors.skills_with_use(request.tenant)
    form = SkillForm(request.POST or None)
    return submit_form(
        request, form, save, done="routing-skills", template="routing/skills.html", skills=skills
    )


@require_POST
@page(Scope.CONFIG)
def skill_delete(request, skill_id: int):
    skill = selectors.access_skill(request.principal, skill_id)
    config.delete_skill(request.tenant, principal=request.principal, skill=skill)
    messages.success(request, _("Skill %(name)s deleted.") % {"name": skill.name})
    return redirect("routing-skills")


# --- agents ----------------------------------------------------------------------------------


@require_GET
@page(Scope.CONFIG)
def agent_list(request):
    return render(request, "routing/agents.html", {"agents": selectors.agents(request.tenant)})


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def agent_edit(request, agent_id: int):
    agent = selectors.access_agent(request.principal, agent_id)

    def save(form):
        config.update_agent_profile(
            request.tenant, principal=request.principal, agent=agent, **form.changes()
        )

    skills = selectors.skills(request.tenant)
    form = AgentProfileForm(request.POST or None, agent=agent, skills=skills)
    return submit_form(
        request, form, save, done="routing-agents", template="routing/agent_form.html", agent=agent
    )


# --- routing rules ---------------------------------------------------------------------------


def _rules_table(request):
    return render(request, "routing/_rules_table.html", {"rules": selectors.rules(request.tenant)})


@require_GET
@page(Scope.CONFIG)
def rule_list(request):
    return render(request, "routing/rules.html", {"rules": selectors.rules(request.tenant)})


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def rule_create(request):
    def save(form):
        config.create_rule(request.tenant, principal=request.principal, **form.settings())

    form = RoutingRuleForm(request.POST or None, queues=selectors.queues(request.tenant))
    return submit_form(request, form, save, done="routing-rules", template="routing/rule_form.html")


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def rule_edit(request, rule_id: int):
    rule = selectors.access_rule(request.principal, rule_id)

    def save(form):
        config.update_rule(
            request.tenant, principal=request.principal, rule=rule, **form.settings()
        )

    form = RoutingRuleForm(request.POST or None, queues=selectors.queues(request.tenant), rule=rule)
    return submit_form(
        request, form, save, done="routing-rules", template="routing/rule_form.html", rule=rule
    )


@require_POST
@page(Scope.CONFIG)
def rule_move(request, rule_id: int):
    """HTMX swaps the table; a plain post comes back to the list."""
    rule = selectors.access_rule(request.principal, rule_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    config.move_rule(request.tenant, principal=request.principal, rule=rule, offset=offset)
    return _rules_table(request) if request.htmx else redirect("routing-rules")


@require_POST
@page(Scope.CONFIG)
def rule_delete(request, rule_id: int):
    rule = selectors.access_rule(request.principal, rule_id)
    config.delete_rule(request.tenant, principal=request.principal, rule=rule)
    if request.htmx:
        return _rules_table(request)
    messages.success(request, _("Rule %(name)s deleted.") % {"name": rule.name})
    return redirect("routing-rules")


# --- business hours --------------------------------------------------------------------------


@require_GET
@page(Scope.CONFIG)
def hours_list(request):
    hours = selectors.business_hours(request.tenant)
    return render(request, "routing/hours.html", {"hours_list": hours})


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def hours_create(request):
    def save(form):
        config.create_business_hours(request.tenant, principal=request.principal, **form.values())

    form = BusinessHoursForm(request.POST or None)
    return submit_form(
        request, form, save, done="routing-hours", template="routing/hours_form.html"
    )


@require_http_methods(["GET", "POST"])
@page(Scope.CONFIG)
def hours_edit(request, hours_id: int):
    hours = selectors.access_business_hours(request.principal, hours_id)

    def save(form):
        config.update_business_hours(
            request.tenant, principal=request.principal, hours=hours, **form.values()
        )

    form = BusinessHoursForm(request.POST or None, hours=hours)
    return submit_form(
        request, form, save, done="routing-hours", template="routing/hours_form.html", hours=hours
    )
