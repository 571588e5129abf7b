"""Template sends from the agent's inbox, mounted under /inbox/ beside its own pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("c/<int:conversation_id>/template/", views.send_template, name="inbox-template"),
]
