"""Routing admin pages under /manage/routing/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue_list, name="routing-admin"),
    path("queues/new/", views.queue_create, name="routing-queue-create"),
    path("queues/<int:queue_id>/", views.queue_edit, name="routing-queue-edit"),
    path("skills/", views.skill_list, name="routing-skills"),
    path("skills/<int:skill_id>/delete/", views.skill_delete, name="routing-skill-delete"),
    path("agents/", views.agent_list, name="routing-agents"),
    path("agents/<int:agent_id>/", views.agent_edit, name="routing-agent-edit"),
    path("rules/", views.rule_list, name="routing-rules"),
    path("rules/new/", views.rule_create, name="routing-rule-create"),
    path("rules/<int:rule_id>/", views.rule_edit, name="routing-rule-edit"),
    path("rules/<int:rule_id>/move/", views.rule_move, name="routing-rule-move"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="routing-rule-delete"),
    path("hours/", views.hours_list, name="routing-hours"),
    path("hours/new/", views.hours_create, name="routing-hours-create"),
    path("hours/<int:hours_id>/", views.hours_edit, name="routing-hours-edit"),
]
