"""Routing admin pages under /manage/routing/."""

from django.urls import path

from .views import admin

urlpatterns = [
    path("", admin.queue_list, name="routing-admin"),
    path("queues/new/", admin.queue_create, name="routing-queue-create"),
    path("queues/<int:queue_id>/", admin.queue_edit, name="routing-queue-edit"),
    path("skills/", admin.skill_list, name="routing-skills"),
    path("skills/<int:skill_id>/delete/", admin.skill_delete, name="routing-skill-delete"),
    path("agents/", admin.agent_list, name="routing-agents"),
    path("agents/<int:agent_id>/", admin.agent_edit, name="routing-agent-edit"),
    path("rules/", admin.rule_list, name="routing-rules"),
    path("rules/new/", admin.rule_create, name="routing-rule-create"),
    path("rules/<int:rule_id>/", admin.rule_edit, name="routing-rule-edit"),
    path("rules/<int:rule_id>/move/", admin.rule_move, name="routing-rule-move"),
    path("rules/<int:rule_id>/delete/", admin.rule_delete, name="routing-rule-delete"),
    path("hours/", admin.hours_list, name="routing-hours"),
    path("hours/new/", admin.hours_create, name="routing-hours-create"),
    path("hours/<int:hours_id>/", admin.hours_edit, name="routing-hours-edit"),
]
