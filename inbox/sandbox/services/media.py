"""Media on the sandbox as on Meta (reference §5.6): uploads checked for type and size, files
the customer's phone sends, and download URLs that expire and still need the Bearer token."""

import hashlib
import hmac
import time

from django.db import transaction

from .. import payloads
from ..errors import GraphApiError
from ..models import SandboxMedia, SandboxNumber
from ..validation import MEDIA_RULES, kind_of_mime
from .numbers import authenticate, no_such_object

MEDIA_URL_TTL_S = 300


@transaction.atomic
def store_media(
    number: SandboxNumber, *, content: bytes, mime_type: str, filename: str = ""
) -> SandboxMedia:
    return SandboxMedia.objects.create(
        number=number,
        media_id=payloads.new_graph_id(),
        content=content,
        mime_type=mime_type,
        sha256=hashlib.sha256(content).hexdigest(),
        filename=filename[:255],
    )


def upload_media(number: SandboxNumber, *, fields: dict, upload) -> dict:
    """`POST /{phone_number_id}/media` (multipart): checks type and size like Meta (§5.6)."""
    if fields.get("messaging_product") != "whatsapp":
        raise GraphApiError(
            100, "The parameter messaging_product is required and must be whatsapp."
        )
    if upload is None:
        raise GraphApiError(131008, "The parameter file is required.")
    mime_type = (fields.get("type") or upload.content_type or "").split(";")[0].strip().lower()
    kind = kind_of_mime(mime_type)
    if kind is None:
        raise GraphApiError(131053, f"Unsupported file type {mime_type or 'unknown'}.")
    content = upload.read()
    if len(content) > MEDIA_RULES[kind][1]:
        raise GraphApiError(131053, f"The {kind} is larger than WhatsApp accepts.")
    media = store_media(number, content=content, mime_type=mime_type, filename=upload.name or "")
    return {"id": media.media_id}


def media_for(token: str, media_id: str) -> SandboxMedia:
    number = authenticate(token)
    media = SandboxMedia.objects.filter(number=number, media_id=media_id).first()
    if media is None:
        raise no_such_object(media_id)
    return media


def _media_hash(media: SandboxMedia, expires: int) -> str:
    message = f"{media.media_id}:{expires}".encode()
    return hmac.new(media.number.app_secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def media_download_url(media: SandboxMedia, base: str) -> str:
    """A URL valid 5 minutes; fetching it still needs the Bearer token (reference §5.6)."""
    expires = int(time.time()) + MEDIA_URL_TTL_S
    return (
        f"{base.rstrip('/')}/download/{media.media_id}/"
        f"?ext={expires}&hash={_media_hash(media, expires)}"
    )


def media_fields(media: SandboxMedia, base: str) -> dict:
    return {
        "messaging_product": "whatsapp",
        "url": media_download_url(media, base),
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "id": media.media_id,
    }


def media_to_download(token: str, media_id: str, *, expires: str, hash_: str) -> SandboxMedia:
    """The media behind a download URL: Bearer required, 404 once the URL expired."""
    media = media_for(token, media_id)
    if not expires.isdigit() or int(expires) < time.time():
        raise GraphApiError(100, "The media URL has expired; get a fresh one.", http_status=404)
    if not hmac.compare_digest(_media_hash(media, int(expires)), hash_):
        raise GraphApiError(100, "The media URL is not valid.", http_status=404)
    return media


@transaction.atomic
def delete_media(media: SandboxMedia) -> dict:
    media.delete()
    return {"success": True}
