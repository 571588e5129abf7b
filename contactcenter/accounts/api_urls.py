from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.Me.as_view(), name="api-me"),
    path("memberships/", api.MembershipList.as_view(), name="api-memberships"),
    path(
        "memberships/<int:membership_id>/role/",
        api.MembershipRole.as_view(),
        name="api-membership-role",
    ),
    path("invitations/", api.InvitationList.as_view(), name="api-invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        api.InvitationRevoke.as_view(),
        name="api-invitation-revoke",
    ),
    path("tokens/", api.TokenList.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/revoke/", api.TokenRevoke.as_view(), name="api-token-revoke"),
    path("audit-events/", api.AuditEventList.as_view(), name="api-audit-events"),
]
