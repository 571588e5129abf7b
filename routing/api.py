"""Routing over REST: supervisors and admins read its configuration, admins write it (every
write is an audited service); the signed-in agent sets their own presence and takes a
conversation."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.accounts.permissions import IsTenantMember, Scope
from contactcenter.api import IdempotentWrites
from contactcenter.errors import Forbidden
from inbox import access
from inbox.serializers import ConversationSerializer
from routing import selectors, serializers
from routing.services import config, presence, transfers

WRITES = {method: Scope.CONFIG for method in ("POST", "PUT", "PATCH", "DELETE")}


class ReadsNeedDashboardOrConfig(BasePermission):
    """Runs after IsTenantMember (which set request.principal and checked writes)."""

    def has_permission(self, request, view) -> bool:
        principal = request.principal
        if request.method in SAFE_METHODS and not (
            principal.can(Scope.DASHBOARD) or principal.can(Scope.CONFIG)
        ):
            raise Forbidden()
        return True


class ConfigViewSet(
    IdempotentWrites,
    viewsets.GenericViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
):
    """Each subclass names its selector, access helper and services; handlers stay the same."""

    permission_classes = [IsTenantMember, ReadsNeedDashboardOrConfig]
    required_scopes = WRITES
    pagination_class = None
    lookup_value_converter = "int"
    selector = access = create_service = update_service = delete_service = None
    target = ""  # the keyword the update/delete services take the object by

    def get_queryset(self):
        return type(self).selector(self.request.principal.tenant)

    def get_object(self):
        return type(self).access(self.request.principal, self.kwargs["pk"])

    def _call(self, service, **kwargs):
        principal = self.request.principal
        return service(principal.tenant, principal=principal, **kwargs)

    def _answer(self, obj, status_code=status.HTTP_200_OK) -> Response:
        fresh = type(self).access(self.request.principal, obj.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self._call(type(self).create_service, **serializer.service_kwargs())
        return self._answer(obj, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        kwargs = {self.target: instance, **serializer.service_kwargs()}
        return self._answer(self._call(type(self).update_service, **kwargs))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self._call(type(self).delete_service, **{self.target: self.get_object()})
        return Response(status=status.HTTP_204_NO_CONTENT)


class SkillViewSet(ConfigViewSet):
    serializer_class = serializers.SkillSerializer
    selector, access = selectors.skills, selectors.access_skill
    create_service, update_service = config.create_skill, config.update_skill
    delete_service, target = config.delete_skill, "skill"


class QueueViewSet(ConfigViewSet):
    """Deleting a queue is refused (409) once it held conversations or rules point to it."""

    serializer_class = serializers.QueueSerializer
    selector, access = selectors.queues, selectors.access_queue
    create_service, update_service = config.create_queue, config.update_queue
    delete_service, target = config.delete_queue, "queue"


class RoutingRuleViewSet(ConfigViewSet):
    """Rules are tried by position, the first that matches wins; new rules go last."""

    serializer_class = serializers.RoutingRuleSerializer
    selector, access = selectors.rules, selectors.access_rule
    create_service, update_service = config.create_rule, config.update_rule
    delete_service, target = config.delete_rule, "rule"

    @extend_schema(
        request=serializers.RuleOrderSerializer,
        responses=serializers.RoutingRuleSerializer(many=True),
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request):
        data = serializers.RuleOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self._call(config.reorder_rules, rule_ids=data.validated_data["ids"])
        rules = self.get_queryset()
        return Response(serializers.RoutingRuleSerializer(rules, many=True).data)


class BusinessHoursViewSet(ConfigViewSet):
    serializer_class = serializers.BusinessHoursSerializer
    selector, access = selectors.business_hours, selectors.access_business_hours
    create_service, update_service = config.create_business_hours, config.update_business_hours
    delete_service, target = config.delete_business_hours, "hours"


class AgentProfileViewSet(ConfigViewSet):
    """Profiles are made when a member first goes available; admins set skills and capacity."""

    http_method_names = ["get", "put", "patch", "head", "options"]
    serializer_class = serializers.AgentProfileSerializer
    selector, access = selectors.agents, selectors.access_agent
    update_service, target = config.update_agent_profile, "agent"


class MyPresence(IdempotentWrites, APIView):
    """The signed-in agent's own presence (their routing profile is made the first time)."""

    required_scope = Scope.INBOX_WRITE

    @extend_schema(request=serializers.PresenceSerializer, responses=serializers.PresenceSerializer)
    def post(self, request):
        data = serializers.PresenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        principal = request.principal
        if principal.membership is None:
            raise Forbidden("Presence belongs to people; sign in as the agent, not with a token.")
        agent = config.ensure_agent_profile(principal.tenant, membership=principal.membership)
        agent = presence.set_presence(
            principal.tenant,
            agent=agent,
            presence=data.validated_data["presence"],
            principal=principal,
        )
        return Response({"presence": agent.presence}, status=status.HTTP_200_OK)


class ConversationTake(IdempotentWrites, APIView):
    """An agent takes a waiting conversation when its queue allows it; a supervisor takes over
    any open one. Either way the principal becomes its assignee, the one who answers it."""

    required_scope = Scope.INBOX_WRITE

    @extend_schema(request=None, responses=ConversationSerializer)
    def post(self, request, conversation_id: int):
        conversation = access.access_conversation(request.principal, conversation_id)
        conversation = transfers.take_for(request.principal)(
            request.principal.tenant, principal=request.principal, conversation=conversation
        )
        return Response(ConversationSerializer(conversation).data)
