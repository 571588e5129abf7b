from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from routing import selectors
from routing.models import AgentProfile, BusinessHours, Queue, RoutingRule, Skill


@extend_schema_field(OpenApiTypes.INT)
class TenantPrimaryKey(serializers.PrimaryKeyRelatedField):
    """An id of the caller's own company only (another company's id is "does not exist")."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].principal.tenant)


class SkillLevelSerializer(serializers.Serializer):
    skill = TenantPrimaryKey(selectors.skills)
    level = serializers.IntegerField(min_value=1, max_value=10)


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "description"]


class QueueSerializer(serializers.ModelSerializer):
    skills = SkillLevelSerializer(
        many=True, required=False, write_only=True, help_text="Required skills."
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
            "sticky_window_s",
            "is_default",
            "skills",
        ]

    def to_representation(self, queue):
        data = super().to_representation(queue)
        data["skills"] = [
            {"skill": qs.skill_id, "level": qs.min_proficiency} for qs in queue.queue_skills.all()
        ]
        return data


class RoutingRuleSerializer(serializers.ModelSerializer):
    queue = TenantPrimaryKey(selectors.queues)

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
            "priority",
            "labels",
        ]


class BusinessHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessHours
        fields = ["id", "name", "time_zone", "weekly", "holidays"]


class AgentProfileSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    skills = SkillLevelSerializer(
        many=True, required=False, write_only=True, help_text="Skills, proficiency."
    )

    class Meta:
        model = AgentProfile
        fields = [
            "id",
            "email",
            "presence",
            "presence_since",
            "languages",
            "channel_capacity",
            "max_total",
            "skills",
        ]
        read_only_fields = ["presence", "presence_since"]

    def to_representation(self, agent):
        data = super().to_representation(agent)
        data["skills"] = [
            {"skill": s.skill_id, "level": s.proficiency} for s in agent.agent_skills.all()
        ]
        return data


class PresenceSerializer(serializers.Serializer):
    presence = serializers.ChoiceField(choices=["available", "busy", "away", "offline"])
