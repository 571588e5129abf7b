from rest_framework import serializers

from inbox.models import Channel, Contact, Conversation, Media, Message


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "language", "attributes"]


class ConversationSerializer(serializers.ModelSerializer):
    contact = ContactSerializer(read_only=True)
    channel = serializers.PrimaryKeyRelatedField(read_only=True)
    is_within_window = serializers.SerializerMethodField()
    window_expires_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "state",
            "priority",
            "contact",
            "channel",
            "assignee",
            "opened_at",
            "resolved_at",
            "last_message_at",
            "last_message_preview",
            "last_inbound_at",
            "window_expires_at",
            "is_within_window",
            "first_response_at",
            "unread_count",
        ]

    def get_is_within_window(self, conversation: Conversation) -> bool:
        return conversation.is_within_window()


class MediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Media
        fields = ["id", "mime_type", "filename", "size_bytes", "state", "url"]

    def get_url(self, media: Media) -> str | None:
        return f"/inbox/media/{media.pk}/" if media.state == "ready" else None


class MessageSerializer(serializers.ModelSerializer):
    media = MediaSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "kind",
            "wamid",
            "text",
            "status",
            "status_at",
            "error_code",
            "error_message",
            "reply_to_wamid",
            "author",
            "sent_at",
            "media",
            "payload",
        ]


class SendMessageSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["text", "template"], default="text")
    text = serializers.CharField(
        required=False, allow_blank=False, max_length=4096, trim_whitespace=True
    )
    template_name = serializers.CharField(required=False, max_length=512)
    template_language = serializers.CharField(required=False, max_length=16)
    template_params = serializers.ListField(
        child=serializers.CharField(max_length=1024), required=False, default=list
    )
    reply_to_wamid = serializers.CharField(required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(required=False, max_length=64)

    def validate(self, data):
        if data["type"] == "text" and not data.get("text"):
            raise serializers.ValidationError({"text": "Write the message text."})
        if data["type"] == "template" and not (
            data.get("template_name") and data.get("template_language")
        ):
            raise serializers.ValidationError(
                {"template_name": "Give the template's name and language."}
            )
        return data


class ChannelSerializer(serializers.ModelSerializer):
    """Secrets are write-only: after saving they are never shown again."""

    app_secret = serializers.CharField(write_only=True, required=False, allow_blank=True)
    access_token = serializers.CharField(write_only=True, required=False, allow_blank=True)
    webhook_path = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "waba_id",
            "phone_number_id",
            "display_phone_number",
            "verified_name",
            "graph_api_base",
            "graph_api_version",
            "quality_rating",
            "messaging_limit_tier",
            "throughput_mps",
            "is_active",
            "verify_token",
            "app_secret",
            "access_token",
            "webhook_path",
            "created_at",
        ]
        read_only_fields = ["id", "verify_token", "created_at"]
        extra_kwargs = {"phone_number_id": {"validators": []}}

    def get_webhook_path(self, channel: Channel) -> str:
        return "/webhooks/whatsapp/"
