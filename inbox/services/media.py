"""Inbound media through the Graph media-id flow, stored with Django's storage.

A pending file carries `next_attempt_at`, when the relay wakes its download (again). A download
claims the row by moving that time a lease on (longer than any download), so a duplicate
wake-up finds it taken; the bytes are stored only while the row is still pending, so two
downloads never store it twice. Retries are scheduled in the row, with backoff.
"""

import mimetypes
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from contactcenter import relay
from inbox.channels.whatsapp.client import GraphClient
from inbox.channels.whatsapp.errors import GraphError, backoff_seconds
from inbox.models import EventType, Media, MediaState

from .events import record_event

MAX_DOWNLOAD_ATTEMPTS = 5
# Longer than a download may take (the task's time limit): the relay leaves it alone meanwhile.
DOWNLOAD_LEASE = timedelta(minutes=10)


def download_inbound_media(media_id: int) -> None:
    """GET /{media-id} for a short-lived URL, then the bytes: never a URL from the webhook."""
    if not _claim(media_id):
        return  # done, failed, being downloaded, or waiting for its retry
    media = Media.objects.select_related("message__channel", "message__conversation").get(
        pk=media_id
    )
    channel = media.message.channel
    try:
        with GraphClient.for_channel(channel) as client:
            info = client.media_info(media.graph_media_id)
            content = client.download_media(info)
    except GraphError as error:
        if error.is_retryable and media.attempts < MAX_DOWNLOAD_ATTEMPTS:
            _schedule_retry(media, backoff_seconds(error, media.attempts - 1))
        else:
            _mark_failed(media, error.human_message)
        return
    _store(media, content, mime_type=info.mime_type or media.mime_type, sha256=info.sha256)


def _claim(media_id: int) -> bool:
    """Due (its first wake-up or a retry whose time came, not another download's lease)."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=relay.due_by(now))
    pending = Media.objects.filter(
        due, pk=media_id, state=MediaState.PENDING, attempts__lt=MAX_DOWNLOAD_ATTEMPTS
    )
    claimed = pending.update(next_attempt_at=now + DOWNLOAD_LEASE, attempts=F("attempts") + 1)
    return claimed == 1


def fail_abandoned_downloads(now) -> int:
    """Files whose every download died midway (a worker killed each time: each claim took an
    attempt, none came back) fail once their last lease is over, instead of looping."""
    return Media.objects.filter(
        state=MediaState.PENDING, attempts__gte=MAX_DOWNLOAD_ATTEMPTS, next_attempt_at__lte=now
    ).update(
        state=MediaState.FAILED,
        error="The file could not be downloaded after several attempts; ask the customer to "
        "send it again.",
    )


def _schedule_retry(media: Media, wait_s: float) -> None:
    Media.objects.filter(pk=media.pk, state=MediaState.PENDING).update(
        next_attempt_at=timezone.now() + timedelta(seconds=wait_s)
    )


def safe_filename(media: Media, mime_type: str) -> str:
    name = get_valid_filename(media.filename) if media.filename else ""
    if not name:
        extension = mimetypes.guess_extension(mime_type or "") or ".bin"
        name = f"{media.graph_media_id or 'file'}{extension}"
    return name[:120]


@transaction.atomic
def _store(media: Media, content: bytes, *, mime_type: str, sha256: str) -> None:
    if not Media.objects.select_for_update().filter(pk=media.pk, state=MediaState.PENDING):
        return  # another download stored it first
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


def _mark_failed(media: Media, reason: str) -> None:
    Media.objects.filter(pk=media.pk, state=MediaState.PENDING).update(
        state=MediaState.FAILED, error=reason
    )
