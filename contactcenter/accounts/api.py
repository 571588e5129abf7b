"""Accounts over REST: who am I, people and roles, invitations, API tokens, the audit log.

Read-only audit: there is no route that edits or deletes an audit event.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.api import IdempotentWrites, valid_query
from contactcenter.clientip import request_ip
from contactcenter.errors import NotFound

from . import selectors, services
from .permissions import Scope
from .serializers import (
    ApiTokenSerializer,
    AuditEventFilters,
    AuditEventSerializer,
    InvitationSerializer,
    MembershipSerializer,
    MeSerializer,
    NewApiTokenSerializer,
    RoleChangeSerializer,
)


def _one(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


class Me(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        p = request.principal
        data = {
            "tenant": p.tenant.slug,
            "user": p.user.email if p.user else None,
            "role": p.role,
            "token": p.token.name if p.token else None,
            "scopes": sorted(p.scopes),
        }
        return Response(MeSerializer(data).data)


class MembershipList(generics.ListAPIView):
    required_scope = Scope.USERS
    serializer_class = MembershipSerializer

    def get_queryset(self):
        return selectors.tenant_memberships(self.request.principal.tenant)


class MembershipRole(IdempotentWrites, APIView):
    required_scope = Scope.USERS

    @extend_schema(request=RoleChangeSerializer, responses=MembershipSerializer)
    def post(self, request, membership_id: int):
        tenant = request.principal.tenant
        membership = _one(selectors.tenant_memberships(tenant), membership_id)
        data = RoleChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.change_role(
            tenant,
            principal=request.principal,
            membership=membership,
            role=data.validated_data["role"],
            ip=request_ip(request),
        )
        return Response(MembershipSerializer(membership).data)


class InvitationList(IdempotentWrites, generics.ListCreateAPIView):
    required_scope = Scope.USERS
    serializer_class = InvitationSerializer

    def get_queryset(self):
        return selectors.tenant_invitations(self.request.principal.tenant)

    def create(self, request, *args, **kwargs):
        data = InvitationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _ = services.invite_member(
            request.principal.tenant,
            principal=request.principal,
            ip=request_ip(request),
            email=data.validated_data["email"],
            role=data.validated_data["role"],
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevoke(IdempotentWrites, APIView):
    required_scope = Scope.USERS

    @extend_schema(request=None, responses=InvitationSerializer)
    def post(self, request, invitation_id: int):
        tenant = request.principal.tenant
        invitation = _one(selectors.tenant_invitations(tenant), invitation_id)
        invitation = services.revoke_invitation(
            tenant, principal=request.principal, invitation=invitation, ip=request_ip(request)
        )
        return Response(InvitationSerializer(invitation).data)


class TokenList(IdempotentWrites, generics.ListCreateAPIView):
    required_scope = Scope.TOKENS
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return selectors.tenant_tokens(self.request.principal.tenant)

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        data = ApiTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services.create_api_token(
            request.principal.tenant,
            principal=request.principal,
            ip=request_ip(request),
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
        )
        token.token = raw
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevoke(IdempotentWrites, APIView):
    required_scope = Scope.TOKENS

    @extend_schema(request=None, responses=ApiTokenSerializer)
    def post(self, request, token_id: int):
        tenant = request.principal.tenant
        token = _one(selectors.tenant_tokens(tenant), token_id)
        token = services.revoke_api_token(
            tenant, principal=request.principal, token=token, ip=request_ip(request)
        )
        return Response(ApiTokenSerializer(token).data)


@extend_schema(parameters=[AuditEventFilters])
class AuditEventList(generics.ListAPIView):
    required_scope = Scope.AUDIT
    serializer_class = AuditEventSerializer

    def get_queryset(self):
        query = valid_query(AuditEventFilters, self.request)
        return selectors.audit_events(
            self.request.principal.tenant,
            action=query.get("action") or None,
            actor_id=query.get("actor"),
            target_type=query.get("target_type") or None,
        )
