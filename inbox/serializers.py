from rest_framework import serializers

from contactcenter.api import ObjectIdField
from inbox.channels.whatsapp import outbound
from inbox.models import Channel, Contact, Conversation, ConversationState, Media, Message


class ConversationFilters(serializers.Serializer):
    """Query parameters of the conversation list."""

    tab = serializers.ChoiceField(choices=["mine", "queue", "all"], default="all")
    state = serializers.ChoiceField(choices=ConversationState.choices, required=False)
    channel = ObjectIdField(required=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="Search by contact name or number",
    )


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


class ButtonSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=256)
    title = serializers.CharField(max_length=20)


class ListSectionSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=24)
    rows = ButtonSerializer(many=True, max_length=10)


class SendMessageSerializer(serializers.Serializer):
    """One outbound message; `type` says which of the other fields are used."""

    TYPES = ["text", "template", "media", "buttons", "list", "cta_url", "location", "reaction"]

    type = serializers.ChoiceField(choices=TYPES, default="text")
    text = serializers.CharField(required=False, allow_blank=False, max_length=4096)
    template_name = serializers.CharField(required=False, max_length=512)
    template_language = serializers.CharField(required=False, max_length=16)
    template_params = serializers.ListField(
        child=serializers.CharField(max_length=1024), required=False, default=list, max_length=100
    )
    file = serializers.FileField(required=False, help_text="For type=media (multipart).")
    buttons = ButtonSerializer(many=True, required=False, max_length=10)
    list_button = serializers.CharField(required=False, max_length=20)
    sections = ListSectionSerializer(many=True, required=False, max_length=10)
    url = serializers.URLField(required=False, max_length=2000)
    url_label = serializers.CharField(required=False, max_length=20)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    location_name = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    react_to_wamid = serializers.CharField(required=False, max_length=256)
    emoji = serializers.CharField(required=False, allow_blank=True, max_length=16)
    reply_to_wamid = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=255
    )

    REQUIRED = {
        "text": ("text",),
        "template": ("template_name", "template_language"),
        "media": ("file",),
        "buttons": ("text", "buttons"),
        "list": ("text", "list_button", "sections"),
        "cta_url": ("text", "url", "url_label"),
        "location": ("latitude", "longitude"),
        "reaction": ("react_to_wamid", "emoji"),
    }

    def validate(self, data):
        missing = [f for f in self.REQUIRED[data["type"]] if f not in data or data[f] is None]
        if missing:
            raise serializers.ValidationError(
                {f: f"Required when type is {data['type']}." for f in missing}
            )
        try:
            data["content"] = self._content(data)
        except outbound.ContentError as exc:
            raise serializers.ValidationError({"content": str(exc)}) from exc
        return data

    @staticmethod
    def _content(data: dict) -> dict:
        kind = data["type"]
        if kind == "text":
            return outbound.text_content(data["text"])
        if kind == "template":
            return outbound.template_content(
                data["template_name"], data["template_language"], data["template_params"]
            )
        if kind == "media":
            file = data["file"]
            media_kind = outbound.attachment_kind(file.content_type or "", file.size)
            return outbound.media_content(
                media_kind, caption=data.get("text", ""), filename=file.name or ""
            )
        if kind == "buttons":
            pairs = [(b["id"], b["title"]) for b in data["buttons"]]
            return outbound.buttons_content(data["text"], pairs)
        if kind == "list":
            sections = [
                (s["title"], [(r["id"], r["title"]) for r in s["rows"]]) for s in data["sections"]
            ]
            return outbound.list_content(data["text"], data["list_button"], sections)
        if kind == "cta_url":
            return outbound.cta_url_content(data["text"], data["url_label"], data["url"])
        if kind == "location":
            return outbound.location_content(
                data["latitude"],
                data["longitude"],
                data.get("location_name", ""),
                data.get("address", ""),
            )
        return outbound.reaction_content(data["react_to_wamid"], data["emoji"])


class ChannelSerializer(serializers.ModelSerializer):
    """Secrets are write-only: after saving they are never shown again."""

    app_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=256
    )
    access_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=4096
    )
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
