"""Our outbound message content → the Cloud API send body (pure functions, limits of §5.7).

`content` is what the domain stores on Message.payload: {"type": kind, kind: {...}}, which is
exactly the Graph body without the recipient, so the stored message is what was sent.
"""

from inbox.channels.whatsapp.errors import GraphError

TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTON_TITLE_MAX = 20
LIST_TITLE_MAX = 24
LIST_ROWS_MAX = 10
MEDIA_KINDS = {"image", "audio", "video", "document", "sticker"}
KINDS = MEDIA_KINDS | {"text", "interactive", "location", "reaction", "template", "contacts"}


# Outbound media WhatsApp accepts, by kind, with its size limit (§5.6).
MB = 1024 * 1024
MEDIA_RULES = {
    "image": ({"image/jpeg", "image/png"}, 5 * MB),
    "sticker": ({"image/webp"}, 500 * 1024),
    "audio": ({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 * MB),
    "video": ({"video/mp4", "video/3gpp"}, 16 * MB),
    "document": (
        {
            "text/plain",
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        },
        100 * MB,
    ),
}


class ContentError(ValueError):
    """The content breaks a Cloud API rule; the message says which and how to fix it."""


def _check_len(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise ContentError(f"{what} is {len(value)} characters; WhatsApp allows {limit}.")


def text_content(body: str, *, preview_url: bool = False) -> dict:
    body = body.strip()
    if not body:
        raise ContentError("Write a message before sending.")
    _check_len(body, TEXT_MAX, "The message")
    return {"type": "text", "text": {"body": body, "preview_url": preview_url}}


def media_content(kind: str, *, media_id: str = "", caption: str = "", filename: str = "") -> dict:
    """Media by Graph id; without one, the sender uploads the stored file first."""
    if kind not in MEDIA_KINDS:
        raise ContentError(f"Unknown media kind {kind!r}.")
    obj: dict = {"id": media_id} if media_id else {}
    if caption and kind in {"image", "video", "document"}:
        _check_len(caption, CAPTION_MAX, "The caption")
        obj["caption"] = caption
    if filename and kind == "document":
        obj["filename"] = filename
    return {"type": kind, kind: obj}


def attachment_kind(mime_type: str, size_bytes: int) -> str:
    """The message kind a file is sent as, or a ContentError saying what WhatsApp accepts."""
    for kind, (mime_types, max_bytes) in MEDIA_RULES.items():
        if mime_type in mime_types:
            if size_bytes > max_bytes:
                raise ContentError(
                    f"This {kind} is {size_bytes // 1024} KB; WhatsApp accepts up to "
                    f"{max_bytes // 1024} KB."
                )
            return kind
    raise ContentError(
        f"WhatsApp cannot send {mime_type or 'this file type'}: send JPEG or PNG images, "
        "MP4 video, MP3/OGG/AAC audio, or PDF and Office documents."
    )


def buttons_content(body: str, buttons: list[tuple[str, str]]) -> dict:
    """Reply buttons: up to 3, titles up to 20 characters."""
    if not 1 <= len(buttons) <= 3:
        raise ContentError("Reply buttons: give between 1 and 3.")
    _check_len(body, CAPTION_MAX, "The question")
    for _, title in buttons:
        _check_len(title, BUTTON_TITLE_MAX, f"Button {title!r}")
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in buttons]
            },
        },
    }


def list_content(body: str, button: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> dict:
    """A list menu: 1-10 sections, at most 10 rows in all (§5.3.11)."""
    rows = [row for _, section_rows in sections for row in section_rows]
    if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= LIST_ROWS_MAX:
        raise ContentError("Lists: give 1 to 10 sections with 1 to 10 rows in all.")
    _check_len(body, TEXT_MAX, "The question")
    _check_len(button, BUTTON_TITLE_MAX, "The list button")
    for title, section_rows in sections:
        _check_len(title, LIST_TITLE_MAX, f"Section {title!r}")
        for _, row_title in section_rows:
            _check_len(row_title, LIST_TITLE_MAX, f"Row {row_title!r}")
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": button,
                "sections": [
                    {"title": title, "rows": [{"id": i, "title": t} for i, t in section_rows]}
                    for title, section_rows in sections
                ],
            },
        },
    }


def cta_url_content(body: str, display_text: str, url: str) -> dict:
    """A button that opens a web page (§5.3.12); no webhook comes back when tapped."""
    _check_len(body, CAPTION_MAX, "The text")
    _check_len(display_text, BUTTON_TITLE_MAX, "The button text")
    if not url.startswith("https://"):
        raise ContentError("The link must start with https://.")
    return {
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "body": {"text": body},
            "action": {"name": "cta_url", "parameters": {"display_text": display_text, "url": url}},
        },
    }


def reaction_content(wamid: str, emoji: str) -> dict:
    return {"type": "reaction", "reaction": {"message_id": wamid, "emoji": emoji}}


def location_content(latitude: float, longitude: float, name: str = "", address: str = "") -> dict:
    location = {"latitude": latitude, "longitude": longitude}
    if name:
        location["name"] = name
    if address:
        location["address"] = address
    return {"type": "location", "location": location}


def template_content(name: str, language: str, body_params: list[str] | None = None) -> dict:
    template: dict = {"name": name, "language": {"code": language, "policy": "deterministic"}}
    if body_params:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in body_params]}
        ]
    return {"type": "template", "template": template}


def send_body(
    content: dict,
    *,
    wa_id: str | None,
    user_id: str | None,
    reply_to_wamid: str = "",
    media_id: str = "",
    callback_data: str = "",
) -> dict:
    """The full send body for a stored content; phone number first, else the BSUID.
    `callback_data` comes back on every status webhook of the message."""
    kind = content.get("type")
    if kind not in KINDS:
        raise GraphError(code=131051, title="Unsupported message type")
    body: dict = {"recipient_type": "individual", **content}
    if media_id and kind in MEDIA_KINDS:
        body[kind] = {**content[kind], "id": media_id}
    if wa_id:
        body["to"] = wa_id if wa_id.startswith("+") else f"+{wa_id}"
    elif user_id:
        body["recipient"] = user_id
    else:
        raise GraphError(code=131008, title="No recipient", details="contact has no WhatsApp id")
    if reply_to_wamid:
        body["context"] = {"message_id": reply_to_wamid}
    if callback_data:
        body["biz_opaque_callback_data"] = callback_data
    return body


def preview_of(content: dict) -> str:
    kind = content.get("type", "")
    if kind == "text":
        return content["text"]["body"]
    if kind == "template":
        return f"Template: {content['template']['name']}"
    if kind in MEDIA_KINDS:
        return content[kind].get("caption") or content[kind].get("filename") or kind.title()
    if kind == "interactive":
        return content["interactive"].get("body", {}).get("text", "Interactive message")
    return kind.title()
