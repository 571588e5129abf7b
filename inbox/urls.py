from django.urls import path

from . import views, views_agent, views_tools

urlpatterns = [
    path("", views.inbox_home, name="inbox"),
    path("list/", views.conversation_list, name="inbox-list"),
    path("c/<int:conversation_id>/", views.conversation_detail, name="inbox-conversation"),
    path("c/<int:conversation_id>/thread/", views.conversation_thread, name="inbox-thread"),
    path("c/<int:conversation_id>/reply/", views.send_reply, name="inbox-reply"),
    path("c/<int:conversation_id>/template/", views.send_template, name="inbox-template"),
    path("c/<int:conversation_id>/note/", views.add_note, name="inbox-note"),
    path("c/<int:conversation_id>/read/", views.mark_read, name="inbox-read"),
    path("c/<int:conversation_id>/state/", views.change_state, name="inbox-state"),
    path("c/<int:conversation_id>/transfer/", views_agent.transfer, name="inbox-transfer"),
    path("c/<int:conversation_id>/take/", views_agent.take, name="inbox-take"),
    path("c/<int:conversation_id>/labels/", views_tools.change_label, name="inbox-labels"),
    path("c/<int:conversation_id>/consent/", views_tools.record_consent, name="inbox-consent"),
    path("c/<int:conversation_id>/canned/", views_tools.canned_responses, name="inbox-canned"),
    path("media/<int:media_id>/", views.media_download, name="inbox-media"),
    path("agent/", views_agent.agent_bar, name="inbox-agent-bar"),
    path("agent/presence/", views_agent.set_presence, name="inbox-presence"),
    path(
        "offers/<int:offer_id>/accept/",
        views_agent.answer_offer,
        {"answer": "accept"},
        name="inbox-offer-accept",
    ),
    path(
        "offers/<int:offer_id>/decline/",
        views_agent.answer_offer,
        {"answer": "decline"},
        name="inbox-offer-decline",
    ),
]
