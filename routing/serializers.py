"""Shapes of the routing configuration API. They check types only; the services check the rules
(ranges, time zones, one default queue...) so the pages and the API answer the same."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.api import ObjectIdField
from routing import selectors
from routing.models import (
    AgentProfile,
    AgentSkill,
    BusinessHours,
    Presence,
    Queue,
    QueueSkill,
    RoutingRule,
    Skill,
)


@extend_schema_field(OpenApiTypes.INT)
class TenantPrimaryKey(serializers.PrimaryKeyRelatedField):
    """An id of the caller's own company only (another company's id is "does not exist")."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].principal.tenant)


class ServiceInput:
    """The validated data as the keyword arguments of the create/update service."""

    def service_kwargs(self) -> dict:
        return dict(self.validated_data)


class SkillSerializer(ServiceInput, serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "description", "created_at"]
        read_only_fields = ["created_at"]


class RequiredSkillSerializer(serializers.ModelSerializer):
    skill = TenantPrimaryKey(selectors.skills)
    skill_name = serializers.CharField(source="skill.name", read_only=True)
    min_proficiency = serializers.IntegerField(help_text="1 to 10.")

    class Meta:
        model = QueueSkill
        fields = ["skill", "skill_name", "min_proficiency"]


class QueueSerializer(ServiceInput, serializers.ModelSerializer):
    required_skills = RequiredSkillSerializer(
        many=True,
        source="queue_skills",
        required=False,
        help_text="Skills an agent needs, each at a minimum proficiency. Replaces the whole set.",
    )
    overflow_queue = TenantPrimaryKey(selectors.queues, required=False, allow_null=True)
    business_hours = TenantPrimaryKey(selectors.business_hours, required=False, allow_null=True)

    class Meta:
        model = Queue
        fields = [
            "id",
            "name",
            "priority",
            "languages",
            "assignment_mode",
            "offer_timeout_s",
            "overflow_after_s",
            "overflow_queue",
            "relaxed_min_proficiency",
            "max_wait_s",
            "max_wait_action",
            "business_hours",
            "requeue_on_offline",
            "agents_may_take",
            "sticky_window_s",
            "sla_first_response_s",
            "is_default",
            "required_skills",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"relaxed_min_proficiency": {"validators": []}}

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "queue_skills" in data:
            data["required_skills"] = [
                (s["skill"], s["min_proficiency"]) for s in data.pop("queue_skills")
            ]
        return data


class RoutingRuleSerializer(ServiceInput, serializers.ModelSerializer):
    queue = TenantPrimaryKey(selectors.queues)
    queue_name = serializers.CharField(source="queue.name", read_only=True)

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "name",
            "position",
            "is_active",
            "channel_kinds",
            "languages",
            "contact_attributes",
            "keywords",
            "motives",
            "queue",
            "queue_name",
            "priority",
            "labels",
            "created_at",
        ]
        read_only_fields = ["position", "created_at"]


class RuleOrderSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=ObjectIdField(), max_length=1000, help_text="Every rule's id, the first tried first."
    )


class BusinessHoursSerializer(ServiceInput, serializers.ModelSerializer):
    weekly = serializers.JSONField(
        required=False,
        help_text='Opening ranges per day (mon..sun), e.g. {"mon": [["09:00", "18:00"]]}.',
    )

    class Meta:
        model = BusinessHours
        fields = ["id", "name", "time_zone", "weekly", "holidays"]
        extra_kwargs = {"time_zone": {"help_text": "IANA name; empty means the company's."}}


class AgentSkillLevelSerializer(serializers.ModelSerializer):
    skill = TenantPrimaryKey(selectors.skills)
    skill_name = serializers.CharField(source="skill.name", read_only=True)
    proficiency = serializers.IntegerField(help_text="1 to 10.")

    class Meta:
        model = AgentSkill
        fields = ["skill", "skill_name", "proficiency"]


class AgentProfileSerializer(ServiceInput, serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    role = serializers.CharField(source="membership.role", read_only=True)
    skills = AgentSkillLevelSerializer(
        many=True,
        source="agent_skills",
        required=False,
        help_text="Skills with proficiency. Replaces the whole set.",
    )
    channel_capacity = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text='Slots per channel kind, e.g. {"whatsapp": 4}.',
    )

    class Meta:
        model = AgentProfile
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "presence",
            "presence_since",
            "languages",
            "channel_capacity",
            "max_total",
            "skills",
        ]
        read_only_fields = ["presence", "presence_since"]
        extra_kwargs = {"max_total": {"help_text": "Conversations at once, over all channels."}}

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "agent_skills" in data:
            data["skills"] = [(s["skill"], s["proficiency"]) for s in data.pop("agent_skills")]
        return data


class PresenceSerializer(serializers.Serializer):
    presence = serializers.ChoiceField(choices=Presence.choices)
