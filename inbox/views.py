"""Agent inbox pages (the UI issue fills them) and authorised media downloads."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from contactcenter.accounts.decorators import membership_required, scope_required
from contactcenter.accounts.permissions import Scope
from contactcenter.errors import NotFound
from inbox import access
from inbox.models import MediaState

# Shown in the page (audio player, image); everything else downloads as an attachment.
INLINE_MIME_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/ogg",
    "audio/mpeg",
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "video/mp4",
    "video/3gpp",
}


@require_GET
@login_required
@membership_required
@scope_required(Scope.INBOX_READ)
def inbox_home(request):
    return render(request, "contactcenter/placeholder.html", {"section": "inbox"})


@require_GET
@login_required
@membership_required
def media_download(request, media_id: int):
    try:
        media = access.access_media(request.principal, media_id)
    except NotFound as exc:
        raise Http404 from exc
    if media.state != MediaState.READY or not media.file:
        raise Http404
    mime = media.mime_type or mimetypes.guess_type(media.file.name)[0] or "application/octet-stream"
    inline = mime in INLINE_MIME_TYPES
    response = FileResponse(
        media.file.open("rb"),
        content_type=mime if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=media.filename or media.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
