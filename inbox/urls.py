from django.urls import path

from . import views

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
    path("media/<int:media_id>/", views.media_download, name="inbox-media"),
]
