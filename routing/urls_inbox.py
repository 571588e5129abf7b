"""The agent's routing controls, mounted under /inbox/ beside the inbox's own pages."""

from django.urls import path

from .views import agent

urlpatterns = [
    path("c/<int:conversation_id>/transfer/", agent.transfer, name="inbox-transfer"),
    path("c/<int:conversation_id>/take/", agent.take, name="inbox-take"),
    path("agent/", agent.agent_bar, name="inbox-agent-bar"),
    path("agent/presence/", agent.set_presence, name="inbox-presence"),
    path(
        "offers/<int:offer_id>/accept/",
        agent.answer_offer,
        {"answer": "accept"},
        name="inbox-offer-accept",
    ),
    path(
        "offers/<int:offer_id>/decline/",
        agent.answer_offer,
        {"answer": "decline"},
        name="inbox-offer-decline",
    ),
]
