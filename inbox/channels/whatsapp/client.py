"""The Cloud API client: one code for Meta and the sandbox (only base URL and token differ).

Every call goes through the platform's outbound transport (contactcenter/outbound_http.py).
"""

from dataclasses import dataclass

from django.conf import settings

from contactcenter.outbound_http import (
    OutboundClient,
    OutboundError,
    ResponseTooLarge,
    host_matches,
)

from .errors import GraphError
from .message_templates import TemplateInfo, read_template

# A Graph answer is JSON of a few kilobytes; a page of 100 templates stays well under this.
MAX_GRAPH_RESPONSE_BYTES = 5 * 1024 * 1024
MAX_MEDIA_BYTES = 100 * 1024 * 1024
MEDIA_TRANSFER_TIMEOUT_S = 240
# A WABA holds at most 6,000 templates (reference §8.5): more pages than that is a loop.
MAX_TEMPLATE_PAGES = 100
MAX_TEMPLATES = 6000


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str
    sha256: str
    file_size: int | None


class GraphClient:
    def __init__(self, *, base_url: str, version: str, access_token: str):
        self._http = OutboundClient(
            base_url=f"{base_url.rstrip('/')}/{version}",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout_s=10.0,
            connect_timeout_s=5.0,
            max_response_bytes=MAX_GRAPH_RESPONSE_BYTES,
        )

    @classmethod
    def for_channel(cls, channel) -> "GraphClient":
        """Where the Graph API lives is the operator's setting; the channel brings its token."""
        return cls(
            base_url=settings.GRAPH_API_BASE,
            version=settings.GRAPH_API_VERSION,
            access_token=channel.access_token,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GraphClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, method: str, url: str, **kwargs) -> dict:
        """The answer's JSON object; anything else is a GraphError."""
        try:
            response = self._http.request(method, url, **kwargs)
        except OutboundError as exc:
            raise GraphError.from_transport(exc) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not response.is_success:  # a redirect too: Graph never sends one we should follow
            raise GraphError.from_response_body(body or {}, response.status_code)
        if not isinstance(body, dict):
            # Meta answered, so a send may have been accepted: not one to repeat blindly.
            raise GraphError(
                code=None,
                title="Unexpected answer",
                http_status=response.status_code,
                is_outcome_unknown=True,
            )
        return body

    def send_message(self, phone_number_id: str, body: dict) -> tuple[str, str | None]:
        """POST /{phone_number_id}/messages; returns (wamid, the wa_id Meta resolved)."""
        payload = {"messaging_product": "whatsapp", **body}
        data = self._request("POST", f"/{phone_number_id}/messages", json=payload)
        try:
            wamid = data["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise GraphError(code=131000, title="Unexpected send response", raw=data) from exc
        contacts = data.get("contacts") or [{}]
        return wamid, contacts[0].get("wa_id")

    def mark_read(self, phone_number_id: str, wamid: str) -> None:
        self._request(
            "POST",
            f"/{phone_number_id}/messages",
            json={"messaging_product": "whatsapp", "status": "read", "message_id": wamid},
        )

    def upload_media(
        self, phone_number_id: str, *, filename: str, content: bytes, mime_type: str
    ) -> str:
        data = self._request(
            "POST",
            f"/{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
            total_timeout_s=MEDIA_TRANSFER_TIMEOUT_S,
        )
        if not data.get("id"):
            raise GraphError(code=131000, title="Unexpected upload response", raw=data)
        return str(data["id"])

    def media_info(self, media_id: str) -> MediaInfo:
        data = self._request("GET", f"/{media_id}")
        if not isinstance(data.get("url"), str):
            raise GraphError(code=131000, title="Unexpected media response", raw=data)
        return MediaInfo(
            url=data["url"],
            mime_type=data.get("mime_type", ""),
            sha256=data.get("sha256", ""),
            file_size=data.get("file_size"),
        )

    def download_media(self, info: MediaInfo) -> bytes:
        """Fetches the URL the Graph API returned for a media id (never one from a webhook),
        only from a host the operator allows: the channel's token goes with the request."""
        if not host_matches(info.url, settings.MEDIA_ALLOWED_HOSTS):
            raise GraphError(
                code=None,
                title="Media host not allowed",
                details=info.url[:200],
                is_destination_refused=True,
                note="The file's address is not one the platform fetches media from "
                "(MEDIA_ALLOWED_HOSTS); it was not downloaded.",
            )
        if str(info.file_size or "").isdigit() and int(info.file_size) > MAX_MEDIA_BYTES:
            raise GraphError(
                code=131052, title="Media too large", details=f"{info.file_size} bytes"
            )
        try:
            response = self._http.request(
                "GET",
                info.url,
                max_response_bytes=MAX_MEDIA_BYTES,
                total_timeout_s=MEDIA_TRANSFER_TIMEOUT_S,
            )
        except ResponseTooLarge as exc:
            raise GraphError(code=131052, title="Media too large") from exc
        except OutboundError as exc:
            raise GraphError.from_transport(exc) from exc
        if not response.is_success:
            raise GraphError(
                code=None, title="Media download failed", http_status=response.status_code
            )
        return response.content

    def list_templates(self, waba_id: str, *, page_size: int = 100) -> list[TemplateInfo]:
        """Every template of the WABA, following Graph's cursor paging (§8.1, §8.7), within
        caps: an endless or repeating cursor is an error, never a partial list (the caller
        drops what is not listed). An entry that names no template is left out."""
        fields = "name,language,status,category,components,parameter_format,id"
        params = {"fields": fields, "limit": page_size}
        templates: list[dict] = []
        seen_cursors: set[str] = set()
        for _ in range(MAX_TEMPLATE_PAGES):
            data = self._request("GET", f"/{waba_id}/message_templates", params=params)
            templates.extend(t for t in data.get("data", []) if isinstance(t, dict))
            if len(templates) > MAX_TEMPLATES:
                break
            after = (data.get("paging") or {}).get("cursors", {}).get("after")
            if not after or not data.get("paging", {}).get("next"):
                return [info for item in templates if (info := read_template(item)) is not None]
            if after in seen_cursors:
                break
            seen_cursors.add(after)
            params = {**params, "after": after}
        raise GraphError(
            code=None,
            title="Template list too long",
            details=f"more than {MAX_TEMPLATE_PAGES} pages or {MAX_TEMPLATES} templates",
            note="The Graph API listed more templates than a WhatsApp account can hold; the "
            "templates were not synchronised.",
        )
