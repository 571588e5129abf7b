"""REST API of the inbox under /api/v1/: thin views over access helpers, selectors, services."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.accounts.permissions import Scope
from contactcenter.api import IdempotentWrites, valid_query
from contactcenter.clientip import request_ip
from inbox import access, selectors
from inbox.serializers import (
    ChannelSerializer,
    ConversationFilters,
    ConversationSerializer,
    MessageSerializer,
    SendMessageSerializer,
)
from inbox.services import channels as channel_services
from inbox.services import conversations as conversation_services
from inbox.services import sending


@extend_schema(parameters=[ConversationFilters])
class ConversationList(generics.ListAPIView):
    required_scope = Scope.INBOX_READ
    serializer_class = ConversationSerializer

    def get_queryset(self):
        query = valid_query(ConversationFilters, self.request)
        return selectors.conversation_list(
            self.request.principal,
            tab=query["tab"],
            state=query.get("state"),
            channel_id=query.get("channel"),
            search=query["q"],
        )


class ConversationDetail(APIView):
    required_scope = Scope.INBOX_READ

    @extend_schema(responses=ConversationSerializer)
    def get(self, request, conversation_id: int):
        conversation = access.access_conversation(request.principal, conversation_id)
        return Response(ConversationSerializer(conversation).data)


class ConversationMessages(IdempotentWrites, generics.ListAPIView):
    required_scopes = {"GET": Scope.INBOX_READ, "POST": Scope.INBOX_WRITE}
    parser_classes = [JSONParser, MultiPartParser]  # attachments come as multipart
    serializer_class = MessageSerializer

    def get_queryset(self):
        conversation = access.access_conversation(
            self.request.principal, self.kwargs["conversation_id"]
        )
        return selectors.conversation_messages(self.request.principal, conversation)

    @extend_schema(request=SendMessageSerializer, responses={202: MessageSerializer})
    def post(self, request, conversation_id: int):
        conversation = access.access_conversation(request.principal, conversation_id)
        data = SendMessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = sending.send_message(
            request.principal.tenant,
            principal=request.principal,
            conversation=conversation,
            content=data.validated_data["content"],
            attachment=data.validated_data.get("file"),
            reply_to_wamid=data.validated_data["reply_to_wamid"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class ConversationRead(IdempotentWrites, APIView):
    required_scope = Scope.INBOX_WRITE

    @extend_schema(request=None, responses=ConversationSerializer)
    def post(self, request, conversation_id: int):
        conversation = access.access_conversation(request.principal, conversation_id)
        conversation = conversation_services.mark_conversation_read(
            request.principal.tenant, principal=request.principal, conversation=conversation
        )
        return Response(ConversationSerializer(conversation).data)


class ChannelList(IdempotentWrites, generics.ListCreateAPIView):
    required_scope = Scope.CONFIG
    serializer_class = ChannelSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.tenant_channels(self.request.principal.tenant)

    def create(self, request, *args, **kwargs):
        data = ChannelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = channel_services.create_channel(
            request.principal.tenant,
            principal=request.principal,
            ip=request_ip(request),
            **data.validated_data,
        )
        return Response(ChannelSerializer(channel).data, status=status.HTTP_201_CREATED)


class ChannelDetail(IdempotentWrites, APIView):
    required_scope = Scope.CONFIG

    @extend_schema(responses=ChannelSerializer)
    def get(self, request, channel_id: int):
        return Response(
            ChannelSerializer(access.access_channel(request.principal, channel_id)).data
        )

    @extend_schema(request=ChannelSerializer, responses=ChannelSerializer)
    def patch(self, request, channel_id: int):
        channel = access.access_channel(request.principal, channel_id)
        data = ChannelSerializer(channel, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        channel = channel_services.update_channel(
            request.principal.tenant,
            principal=request.principal,
            channel=channel,
            ip=request_ip(request),
            **data.validated_data,
        )
        return Response(ChannelSerializer(channel).data)
