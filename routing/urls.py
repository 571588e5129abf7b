from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="routing-admin"),
    path("skills/", views.add_skill, name="routing-add-skill"),
    path("queues/", views.add_queue, name="routing-add-queue"),
    path("agents/<int:agent_id>/", views.set_agent_skill, name="routing-agent-skill"),
]
