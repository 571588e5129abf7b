from django.urls import path

from . import manage_views as views

app_name = "manage"

urlpatterns = [
    path("", views.members, name="members"),
    path(
        "members/<int:membership_id>/role/",
        views.member_action,
        {"action": "role"},
        name="member_role",
    ),
    path(
        "members/<int:membership_id>/deactivate/",
        views.member_action,
        {"action": "deactivate"},
        name="member_deactivate",
    ),
    path(
        "members/<int:membership_id>/sign-out/",
        views.member_action,
        {"action": "sign_out"},
        name="member_sign_out",
    ),
    path(
        "members/<int:membership_id>/reset-mfa/",
        views.member_action,
        {"action": "reset_mfa"},
        name="member_reset_mfa",
    ),
    path("invitations/", views.invitations, name="invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit, name="audit"),
    path("settings/", views.tenant_settings, name="settings"),
]
