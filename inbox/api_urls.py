from django.urls import path

from . import api

urlpatterns = [
    path("conversations/", api.ConversationList.as_view(), name="api-conversations"),
    path(
        "conversations/<int:conversation_id>/",
        api.ConversationDetail.as_view(),
        name="api-conversation",
    ),
    path(
        "conversations/<int:conversation_id>/messages/",
        api.ConversationMessages.as_view(),
        name="api-conversation-messages",
    ),
    path(
        "conversations/<int:conversation_id>/read/",
        api.ConversationRead.as_view(),
        name="api-conversation-read",
    ),
    path("channels/", api.ChannelList.as_view(), name="api-channels"),
    path("channels/<int:channel_id>/", api.ChannelDetail.as_view(), name="api-channel"),
]
