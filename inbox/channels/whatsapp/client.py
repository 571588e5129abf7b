"""The Cloud API client: one code for Meta and the sandbox (only base URL and token differ)."""

from dataclasses import dataclass

import httpx

from .errors import GraphError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_MEDIA_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str
    sha256: str
    file_size: int | None


class GraphClient:
    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        access_token: str,
        transport: httpx.BaseTransport | None = None,
    ):
        self._http = httpx.Client(
            base_url=f"{base_url.rstrip('/')}/{version}",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
            follow_redirects=False,
            transport=transport,
        )

    @classmethod
    def for_channel(cls, channel) -> "GraphClient":
        return cls(
            base_url=channel.graph_api_base,
            version=channel.graph_api_version,
            access_token=channel.access_token,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GraphClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise GraphError(code=None, title=type(exc).__name__, details=str(exc)) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise GraphError.from_response_body(body, response.status_code)
        return response

    def send_message(self, phone_number_id: str, body: dict) -> tuple[str, str | None]:
        """POST /{phone_number_id}/messages; returns (wamid, the wa_id Meta resolved)."""
        payload = {"messaging_product": "whatsapp", **body}
        data = self._request("POST", f"/{phone_number_id}/messages", json=payload).json()
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
        ).json()
        return data["id"]

    def media_info(self, media_id: str) -> MediaInfo:
        data = self._request("GET", f"/{media_id}").json()
        return MediaInfo(
            url=data["url"],
            mime_type=data.get("mime_type", ""),
            sha256=data.get("sha256", ""),
            file_size=data.get("file_size"),
        )

    def download_media(self, info: MediaInfo) -> bytes:
        """Fetches the URL the Graph API returned for a media id (never one from a webhook)."""
        if info.file_size and int(info.file_size) > MAX_MEDIA_BYTES:
            raise GraphError(
                code=131052, title="Media too large", details=f"{info.file_size} bytes"
            )
        chunks, size = [], 0
        try:
            with self._http.stream("GET", info.url) as response:
                if response.status_code >= 400:
                    raise GraphError(
                        code=None, title="Media download failed", http_status=response.status_code
                    )
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_MEDIA_BYTES:
                        raise GraphError(code=131052, title="Media too large")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise GraphError(code=None, title=type(exc).__name__, details=str(exc)) from exc
        return b"".join(chunks)

    def list_templates(self, waba_id: str, *, page_size: int = 100) -> list[dict]:
        """Every template of the WABA, following Graph's cursor paging (§8.1, §8.7)."""
        fields = "name,language,status,category,components,parameter_format,id"
        params = {"fields": fields, "limit": page_size}
        templates: list[dict] = []
        while True:
            data = self._request("GET", f"/{waba_id}/message_templates", params=params).json()
            templates.extend(t for t in data.get("data", []) if isinstance(t, dict))
            after = (data.get("paging") or {}).get("cursors", {}).get("after")
            if not after or not data.get("paging", {}).get("next"):
                return templates
            params = {**params, "after": after}
