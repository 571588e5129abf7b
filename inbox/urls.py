from django.urls import path

from . import views, views_tools

urlpatterns = [
    path("", views.inbox_home, name="inbox"),
    path("list/", views.conversation_list, name="inbox-list"),
    path("c/<int:conversation_id>/", views.conversation_detail, name="inbox-conversation"),
    path("c/<int:conversation_id>/thread/", views.conversation_thread, name="inbox-thread"),
    path("c/<int:conversation_id>/reply/", views.send_reply, name="inbox-reply"),
    path("c/<int:conversation_id>/note/", views.add_note, name="inbox-note"),
    path("c/<int:conversation_id>/read/", views.mark_read, name="inbox-read"),
    path("c/<int:conversation_id>/state/", views.change_state, name="inbox-state"),
    path("c/<int:conversation_id>/labels/", views_tools.change_label, name="inbox-labels"),
    path("c/<int:conversation_id>/consent/", views_tools.record_consent, name="inbox-consent"),
    path("c/<int:conversation_id>/canned/", views_tools.canned_responses, name="inbox-canned"),
    path("media/<int:media_id>/", views.media_download, name="inbox-media"),
]
