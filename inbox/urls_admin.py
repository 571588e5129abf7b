from django.urls import path

from . import views_admin

urlpatterns = [
    path("labels/", views_admin.label_list, name="inbox-labels-admin"),
    path("labels/<int:label_id>/", views_admin.label_edit, name="inbox-label-edit"),
    path("labels/<int:label_id>/delete/", views_admin.label_delete, name="inbox-label-delete"),
    path("canned/", views_admin.canned_list, name="inbox-canned-admin"),
    path("canned/new/", views_admin.canned_create, name="inbox-canned-create"),
    path("canned/<int:canned_id>/", views_admin.canned_edit, name="inbox-canned-edit"),
    path("canned/<int:canned_id>/delete/", views_admin.canned_delete, name="inbox-canned-delete"),
]
