"""Inbound media through the Graph media-id flow, stored with Django's storage."""

import mimetypes

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename

from inbox.channels.whatsapp.client import GraphClient
from inbox.channels.whatsapp.errors import GraphError, backoff_seconds
from inbox.models import EventType, Media, MediaState

from .events import record_event
from .outcome import DONE, Outcome

MAX_DOWNLOAD_ATTEMPTS = 5


def download_inbound_media(media_id: int, *, attempt: int = 0) -> Outcome:
    """GET /{media-id} for a short-lived URL, then the bytes: never a URL from the webhook."""
    media = (
        Media.objects.select_related("message__channel", "message__conversation")
        .filter(pk=media_id, state=MediaState.PENDING)
        .first()
    )
    if media is None:
        return DONE
    channel = media.message.channel
    try:
        with GraphClient.for_channel(channel) as client:
            info = client.media_info(media.graph_media_id)
            content = client.download_media(info)
    except GraphError as error:
        if error.is_retryable and attempt < MAX_DOWNLOAD_ATTEMPTS:
            return Outcome(retry_after_s=backoff_seconds(error, attempt))
        _mark_failed(media, error.human_message)
        return DONE
    _store(media, content, mime_type=info.mime_type or media.mime_type, sha256=info.sha256)
    return DONE


def safe_filename(media: Media, mime_type: str) -> str:
    name = get_valid_filename(media.filename) if media.filename else ""
    if not name:
        extension = mimetypes.guess_extension(mime_type or "") or ".bin"
        name = f"{media.graph_media_id or 'file'}{extension}"
    return name[:120]


@transaction.atomic
def _store(media: Media, content: bytes, *, mime_type: str, sha256: str) -> None:
    media.file.save(safe_filename(media, mime_type), ContentFile(content), save=False)
    media.mime_type = mime_type
    media.sha256 = sha256 or media.sha256
    media.size_bytes = len(content)
    media.state = MediaState.READY
    media.save(update_fields=["file", "mime_type", "sha256", "size_bytes", "state"])
    record_event(
        media.message.conversation,
        EventType.MEDIA_READY,
        data={"message": media.message_id, "media": media.pk},
    )


@transaction.atomic
def _mark_failed(media: Media, reason: str) -> None:
    media.state = MediaState.FAILED
    media.error = reason
    media.save(update_fields=["state", "error"])
