from rest_framework import serializers

from contactcenter.api import ObjectIdField

from .models import ApiToken, AuditEvent, Invitation, Membership, Role
from .permissions import TOKEN_GRANTABLE_SCOPES


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "is_active"]
        read_only_fields = ["id", "email", "full_name", "is_active"]


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
        read_only_fields = ["id", "created_at", "expires_at", "accepted_at", "revoked_at"]


class ApiTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(TOKEN_GRANTABLE_SCOPES)), allow_empty=False
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    """The creation answer: the only time the key is ever returned."""

    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "ip",
            "data",
        ]


class AuditEventFilters(serializers.Serializer):
    """Query parameters of the audit log."""

    action = serializers.CharField(required=False, max_length=64)
    actor = ObjectIdField(required=False)
    target_type = serializers.CharField(required=False, max_length=64)


class MeSerializer(serializers.Serializer):
    tenant = serializers.CharField()
    user = serializers.EmailField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    token = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
