"""Our outbound message content → the Cloud API send body (pure functions, limits of §5.7).

`content` is what the domain stores on Message.payload: {"type": kind, kind: {...}}, which is
exactly the Graph body without the recipient, so the stored message is what was sent.
"""

from inbox.channels.whatsapp.errors import GraphError

TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTON_TITLE_MAX = 20
MEDIA_KINDS = {"image", "audio", "video", "document", "sticker"}
KINDS = MEDIA_KINDS | {"text", "interactive", "location", "reaction", "template", "contacts"}


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


def media_content(kind: str, *, media_id: str, caption: str = "", filename: str = "") -> dict:
    if kind not in MEDIA_KINDS:
        raise ContentError(f"Unknown media kind {kind!r}.")
    obj: dict = {"id": media_id}
    if caption and kind in {"image", "video", "document"}:
        _check_len(caption, CAPTION_MAX, "The caption")
        obj["caption"] = caption
    if filename and kind == "document":
        obj["filename"] = filename
    return {"type": kind, kind: obj}


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
    content: dict, *, wa_id: str | None, user_id: str | None, reply_to_wamid: str = ""
) -> dict:
    """The full send body for a stored content; phone number first, else the BSUID."""
    if content.get("type") not in KINDS:
        raise GraphError(code=131051, title="Unsupported message type")
    body: dict = {"recipient_type": "individual", **content}
    if wa_id:
        body["to"] = wa_id if wa_id.startswith("+") else f"+{wa_id}"
    elif user_id:
        body["recipient"] = user_id
    else:
        raise GraphError(code=131008, title="No recipient", details="contact has no WhatsApp id")
    if reply_to_wamid:
        body["context"] = {"message_id": reply_to_wamid}
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
