"""Routing configuration over REST (admins write, supervisors read) and agents' presence."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.accounts.permissions import Scope
from contactcenter.errors import NotFound
from routing import selectors, serializers
from routing.services import config, presence


class ConfigViewSet(viewsets.ModelViewSet):
    """List and read with the dashboard scope; every write through the audited services."""

    required_scopes = {
        "GET": Scope.DASHBOARD,
        "POST": Scope.CONFIG,
        "PUT": Scope.CONFIG,
        "PATCH": Scope.CONFIG,
        "DELETE": Scope.CONFIG,
    }
    selector = None
    pagination_class = None
    lookup_value_converter = "int"

    def get_queryset(self):
        return type(self).selector(self.request.principal.tenant)

    def get_object(self):
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise NotFound()
        return obj

    def _save(self, serializer, instance):
        fields = dict(serializer.validated_data)
        levels = fields.pop("skills", None)
        skills = None if levels is None else [(s["skill"], s["level"]) for s in levels]
        return config.save_config(
            self.request.principal.tenant,
            principal=self.request.principal,
            instance=instance,
            fields=fields,
            skills=skills,
        )

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer, serializer.Meta.model())

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        config.delete_config(
            self.request.principal.tenant, principal=self.request.principal, instance=instance
        )


class SkillViewSet(ConfigViewSet):
    selector = selectors.skills
    serializer_class = serializers.SkillSerializer


class QueueViewSet(ConfigViewSet):
    selector = selectors.queues
    serializer_class = serializers.QueueSerializer


class RoutingRuleViewSet(ConfigViewSet):
    selector = selectors.rules
    serializer_class = serializers.RoutingRuleSerializer


class BusinessHoursViewSet(ConfigViewSet):
    selector = selectors.business_hours
    serializer_class = serializers.BusinessHoursSerializer


class AgentProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    required_scopes = {"GET": Scope.DASHBOARD, "PUT": Scope.CONFIG, "PATCH": Scope.CONFIG}
    serializer_class = serializers.AgentProfileSerializer
    pagination_class = None
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.agents(self.request.principal.tenant)

    def get_object(self):
        agent = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if agent is None:
            raise NotFound()
        return agent

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        levels = fields.pop("skills", None)
        serializer.instance = config.update_agent_profile(
            self.request.principal.tenant,
            principal=self.request.principal,
            agent=serializer.instance,
            fields=fields,
            skills=None if levels is None else [(s["skill"], s["level"]) for s in levels],
        )


class MyPresence(APIView):
    """The signed-in agent's own presence."""

    required_scope = Scope.INBOX_WRITE

    @extend_schema(request=serializers.PresenceSerializer, responses=serializers.PresenceSerializer)
    def post(self, request):
        data = serializers.PresenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        principal = request.principal
        if principal.membership is None:
            raise NotFound("Presence belongs to people; an API token has none.")
        agent = config.ensure_agent_profile(principal.tenant, membership=principal.membership)
        agent = presence.set_presence(
            principal.tenant,
            agent=agent,
            presence=data.validated_data["presence"],
            principal=principal,
        )
        return Response({"presence": agent.presence}, status=status.HTTP_200_OK)
