from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox_home, name="inbox"),
    path("media/<int:media_id>/", views.media_download, name="inbox-media"),
]
