"""Mounted at /sandbox/ only when SANDBOX_ENABLED; Graph paths as Meta's (`/{version}/{id}/…`)."""

from django.urls import path, re_path

from . import views

app_name = "sandbox"

VERSION_AND_NODE = r"^graph/(?P<version>v\d+\.\d+)/(?P<node_id>\d+)"

urlpatterns = [
    re_path(r"^graph/?$", views.graph_base, name="graph-base"),
    re_path(VERSION_AND_NODE + r"/messages/?$", views.messages, name="messages"),
    re_path(VERSION_AND_NODE + r"/media/?$", views.media_upload, name="media-upload"),
    re_path(
        VERSION_AND_NODE + r"/message_templates/?$",
        views.message_templates,
        name="message-templates",
    ),
    re_path(VERSION_AND_NODE + r"/?$", views.node, name="node"),
    path("graph/download/<str:media_id>/", views.media_download, name="download"),
    path("phone/", views.phone, name="phone"),
    path("phone/thread/", views.phone_thread, name="phone-thread"),
    path("phone/send/", views.phone_send, name="phone-send"),
    path("phone/play/", views.phone_play, name="phone-play"),
]
