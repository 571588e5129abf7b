from django.urls import path

from . import views_channels

urlpatterns = [
    path("", views_channels.channel_list, name="inbox-channels"),
    path("new/", views_channels.channel_create, name="inbox-channel-create"),
    path("<int:channel_id>/", views_channels.channel_edit, name="inbox-channel-edit"),
    path("<int:channel_id>/check/", views_channels.channel_check, name="inbox-channel-check"),
]
