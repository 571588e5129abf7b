"""Checks a send body like the Cloud API does (reference §5, §5.7, §6.2, §8): pure functions that
raise GraphApiError with Meta's code. 131008 = missing, 131009 = bad value, 100 = bad shape."""

import re

from .errors import GraphApiError

TEXT_MAX = 4096
CAPTION_MAX = 1024
INTERACTIVE_BODY_MAX = {"button": 1024, "cta_url": 1024, "flow": 1024, "list": 4096}
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10
LIST_TITLE_MAX = 24
LIST_ROW_ID_MAX = 200
LIST_ROW_DESCRIPTION_MAX = 72

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
CAPTIONED_KINDS = ("image", "video", "document")
KINDS = (*MEDIA_KINDS, "text", "location", "contacts", "interactive", "template", "reaction")
INTERACTIVE_KINDS = (
    "button",
    "list",
    "cta_url",
    "flow",
    "location_request_message",
    "product",
    "product_list",
    "catalog_message",
)
PHONE_CHARS = re.compile(r"[\s\-()+]")

# Outbound media accepted by kind (reference §5.6): mime types and size limit in bytes.
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


def kind_of_mime(mime_type: str) -> str | None:
    base = mime_type.split(";")[0].strip().lower()
    for kind, (mime_types, _) in MEDIA_RULES.items():
        if base in mime_types:
            return kind
    return None


def is_media_acceptable(kind: str, mime_type: str, size: int) -> bool:
    mime_types, max_bytes = MEDIA_RULES[kind]
    return mime_type.split(";")[0].strip().lower() in mime_types and size <= max_bytes


def normalize_wa_id(to: str) -> str:
    """`+1 (650) 555-0123` → `16505550123`; anything else than digits → 131009."""
    digits = PHONE_CHARS.sub("", to)
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise GraphApiError(131009, f"Invalid recipient phone number: {to!r}")
    return digits


def _obj(body: dict, key: str, where: str) -> dict:
    value = body.get(key)
    if value is None:
        raise GraphApiError(131008, f"The parameter {where}{key} is required.")
    if not isinstance(value, dict):
        raise GraphApiError(100, f"Param {where}{key} must be a JSON object.")
    return value


def _text(obj: dict, key: str, where: str, limit: int, *, required: bool = True) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise GraphApiError(131008, f"The parameter {where}{key} is required.")
        return ""
    if not isinstance(value, str):
        raise GraphApiError(100, f"Param {where}{key} must be a string.")
    if len(value) > limit:
        raise GraphApiError(
            131009, f"Param {where}{key} is {len(value)} characters; the limit is {limit}."
        )
    return value


def check_mark_read(body: dict) -> str:
    if body.get("status") != "read":
        raise GraphApiError(100, "Param status must be 'read'.")
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise GraphApiError(131008, "The parameter message_id is required.")
    return message_id


def check_send_body(body: dict) -> tuple[str, str]:
    """Validates everything that needs no stored state; returns (wa_id, kind)."""
    if body.get("messaging_product") != "whatsapp":
        raise GraphApiError(
            100, "The parameter messaging_product is required and must be whatsapp."
        )
    if body.get("recipient_type", "individual") != "individual":
        raise GraphApiError(100, "Param recipient_type must be individual on the sandbox.")
    to = body.get("to")
    if not to:
        raise GraphApiError(131008, "The parameter to is required.")
    if not isinstance(to, str):
        raise GraphApiError(100, "Param to must be a string.")
    wa_id = normalize_wa_id(to)
    kind = body.get("type", "text")
    if kind not in KINDS:
        raise GraphApiError(100, f"Param type must be one of {', '.join(KINDS)}.")
    if kind == "contacts":
        check_contacts_list(body)
    else:
        CHECKS[kind](_obj(body, kind, ""), kind)
    if "context" in body:
        if kind == "reaction":
            raise GraphApiError(100, "Reactions cannot carry a context.")
        context = _obj(body, "context", "")
        _text(context, "message_id", "context.", 255)
    callback = body.get("biz_opaque_callback_data")
    if callback is not None and (not isinstance(callback, str) or len(callback) > 512):
        raise GraphApiError(131009, "Param biz_opaque_callback_data must be a string of ≤ 512.")
    return wa_id, kind


def _check_text(obj: dict, kind: str) -> None:
    _text(obj, "body", "text.", TEXT_MAX)
    if "preview_url" in obj and not isinstance(obj["preview_url"], bool):
        raise GraphApiError(100, "Param text.preview_url must be a boolean.")


def _check_media(obj: dict, kind: str) -> None:
    has_id, has_link = bool(obj.get("id")), bool(obj.get("link"))
    if has_id == has_link:
        if has_id:
            raise GraphApiError(131009, f"Give {kind}.id or {kind}.link, not both.")
        raise GraphApiError(131008, f"The parameter {kind}.id or {kind}.link is required.")
    if has_link and not re.match(r"^https?://", str(obj["link"])):
        raise GraphApiError(131009, f"Param {kind}.link must be an http(s) URL.")
    if "caption" in obj:
        if kind not in CAPTIONED_KINDS:
            raise GraphApiError(100, f"Param {kind}.caption is not allowed for {kind}.")
        _text(obj, "caption", f"{kind}.", CAPTION_MAX, required=False)
    if "filename" in obj and kind != "document":
        raise GraphApiError(100, f"Param {kind}.filename is only allowed for documents.")


def _number(obj: dict, key: str, low: float, high: float) -> None:
    value = obj.get(key)
    if value is None or value == "":
        raise GraphApiError(131008, f"The parameter location.{key} is required.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise GraphApiError(131009, f"Param location.{key} must be a number.") from None
    if not low <= number <= high:
        raise GraphApiError(131009, f"Param location.{key} is out of range.")


def _check_location(obj: dict, kind: str) -> None:
    _number(obj, "latitude", -90, 90)
    _number(obj, "longitude", -180, 180)


def _check_reaction(obj: dict, kind: str) -> None:
    _text(obj, "message_id", "reaction.", 255)
    emoji = obj.get("emoji")
    if emoji is None:
        raise GraphApiError(131008, 'The parameter reaction.emoji is required ("" removes it).')
    if not isinstance(emoji, str) or len(emoji) > 16:
        raise GraphApiError(131009, "Param reaction.emoji must be a single emoji.")


def _check_interactive(obj: dict, kind: str) -> None:
    itype = obj.get("type")
    if not itype:
        raise GraphApiError(131008, "The parameter interactive.type is required.")
    if itype not in INTERACTIVE_KINDS:
        raise GraphApiError(100, f"Param interactive.type {itype!r} is not supported.")
    if itype in INTERACTIVE_BODY_MAX:
        _text(
            _obj(obj, "body", "interactive."),
            "text",
            "interactive.body.",
            INTERACTIVE_BODY_MAX[itype],
        )
    if "footer" in obj:
        _text(_obj(obj, "footer", "interactive."), "text", "interactive.footer.", FOOTER_MAX)
    if "header" in obj:
        header = _obj(obj, "header", "interactive.")
        if header.get("type") == "text" or itype == "list":
            if header.get("type") != "text":
                raise GraphApiError(131009, "A list header must be of type text.")
            _text(header, "text", "interactive.header.", HEADER_TEXT_MAX)
        elif header.get("type") in ("image", "video", "document"):
            _check_media(_obj(header, header["type"], "interactive.header."), header["type"])
        else:
            raise GraphApiError(131009, "Param interactive.header.type is not valid.")
    action = _obj(obj, "action", "interactive.")
    if itype == "button":
        _check_buttons(action)
    elif itype == "list":
        _check_list(action)
    elif itype == "cta_url":
        parameters = _obj(action, "parameters", "interactive.action.")
        _text(parameters, "display_text", "interactive.action.parameters.", BUTTON_TITLE_MAX)
        url = _text(parameters, "url", "interactive.action.parameters.", 2000)
        if not re.match(r"^https?://", url):
            raise GraphApiError(131009, "Param interactive.action.parameters.url must be a URL.")


def _check_buttons(action: dict) -> None:
    buttons = action.get("buttons")
    if not buttons:
        raise GraphApiError(131008, "The parameter interactive.action.buttons is required.")
    if not isinstance(buttons, list) or len(buttons) > BUTTONS_MAX:
        raise GraphApiError(131009, f"Reply buttons: between 1 and {BUTTONS_MAX}.")
    ids, titles = set(), set()
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") != "reply":
            raise GraphApiError(131009, "Each button must be of type reply.")
        reply = _obj(button, "reply", "interactive.action.buttons[].")
        ids.add(_text(reply, "id", "interactive.action.buttons[].reply.", BUTTON_ID_MAX))
        titles.add(_text(reply, "title", "interactive.action.buttons[].reply.", BUTTON_TITLE_MAX))
    if len(ids) != len(buttons) or len(titles) != len(buttons):
        raise GraphApiError(131009, "Button ids and titles must be unique.")


def _check_list(action: dict) -> None:
    _text(action, "button", "interactive.action.", BUTTON_TITLE_MAX)
    sections = action.get("sections")
    if not sections:
        raise GraphApiError(131008, "The parameter interactive.action.sections is required.")
    if not isinstance(sections, list) or len(sections) > LIST_SECTIONS_MAX:
        raise GraphApiError(131009, f"Lists: between 1 and {LIST_SECTIONS_MAX} sections.")
    rows_total = 0
    where = "interactive.action.sections[]."
    for section in sections:
        if not isinstance(section, dict):
            raise GraphApiError(100, "Each section must be a JSON object.")
        _text(section, "title", where, LIST_TITLE_MAX, required=len(sections) > 1)
        rows = section.get("rows")
        if not rows or not isinstance(rows, list):
            raise GraphApiError(131008, f"The parameter {where}rows is required.")
        rows_total += len(rows)
        for row in rows:
            if not isinstance(row, dict):
                raise GraphApiError(100, "Each row must be a JSON object.")
            _text(row, "id", f"{where}rows[].", LIST_ROW_ID_MAX)
            _text(row, "title", f"{where}rows[].", LIST_TITLE_MAX)
            _text(row, "description", f"{where}rows[].", LIST_ROW_DESCRIPTION_MAX, required=False)
    if rows_total > LIST_ROWS_MAX:
        raise GraphApiError(131009, f"Lists: at most {LIST_ROWS_MAX} rows in all.")


def _check_template(obj: dict, kind: str) -> None:
    _text(obj, "name", "template.", 512)
    language = _obj(obj, "language", "template.")
    _text(language, "code", "template.language.", 16)
    components = obj.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise GraphApiError(100, "Param template.components must be a list of objects.")


CHECKS = {
    "text": _check_text,
    "location": _check_location,
    "reaction": _check_reaction,
    "interactive": _check_interactive,
    "template": _check_template,
    **dict.fromkeys(MEDIA_KINDS, _check_media),
}


def check_contacts_list(body: dict) -> None:
    cards = body.get("contacts")
    if not cards:
        raise GraphApiError(131008, "The parameter contacts is required.")
    if not isinstance(cards, list):
        raise GraphApiError(100, "Param contacts must be a list.")
    for card in cards:
        if not isinstance(card, dict):
            raise GraphApiError(100, "Each contact must be a JSON object.")
        _text(_obj(card, "name", "contacts[]."), "formatted_name", "contacts[].name.", 1024)


# --- templates (reference §8.4, §8.5) --------------------------------------------------------

POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


def placeholders(text: str, parameter_format: str) -> list[str]:
    pattern = NAMED if parameter_format == "NAMED" else POSITIONAL
    seen: list[str] = []
    for name in pattern.findall(text or ""):
        if name not in seen:
            seen.append(name)
    return seen


def check_template_send(template_components: list, parameter_format: str, sent: list) -> None:
    """The send's parameters against the stored template: 132000 on counts, 132012 on formats."""
    by_type: dict[str, dict] = {}
    for component in sent:
        ctype = str(component.get("type", "")).lower()
        if ctype == "button":
            by_type[f"button:{component.get('index')}"] = component
        elif ctype in ("header", "body"):
            by_type[ctype] = component
        else:
            raise GraphApiError(100, f"Param template.components[].type {ctype!r} is not valid.")
    buttons: list = []
    for stored in template_components:
        stype = str(stored.get("type", "")).upper()
        if stype == "BUTTONS":
            buttons = stored.get("buttons") or []
            continue
        if stype not in ("HEADER", "BODY"):
            continue
        given = (by_type.pop(stype.lower(), None) or {}).get("parameters") or []
        fmt = str(stored.get("format", "TEXT")).upper()
        if stype == "HEADER" and fmt in ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION"):
            if len(given) != 1:
                raise GraphApiError(132000, f"The header needs one {fmt.lower()} parameter.")
            if given[0].get("type") != fmt.lower():
                raise GraphApiError(132012, f"The header parameter must be of type {fmt.lower()}.")
            continue
        expected = placeholders(stored.get("text", ""), parameter_format)
        _check_count(stype.lower(), expected, given, parameter_format)
    for key in ("header", "body"):
        if by_type.get(key, {}).get("parameters"):
            raise GraphApiError(132000, f"The template has no {key} parameters.")
    for index, button in enumerate(buttons):
        given_component = by_type.pop(f"button:{index}", None) or by_type.pop(
            f"button:{str(index)}", None
        )
        btype = str(button.get("type", "")).upper()
        needs_param = btype == "URL" and bool(POSITIONAL.search(button.get("url", "")))
        if needs_param and given_component is None:
            raise GraphApiError(132000, f"Button {index} needs a URL suffix parameter.")
        if given_component is not None:
            sub_type = str(given_component.get("sub_type", "")).upper()
            if sub_type != btype:
                raise GraphApiError(132012, f"Button {index} is {btype}, not {sub_type}.")
    leftover = [k for k in by_type if k.startswith("button:")]
    if leftover:
        raise GraphApiError(131009, f"The template has no button at index {leftover[0][7:]}.")


def _check_count(where: str, expected: list[str], given: list, parameter_format: str) -> None:
    if len(given) != len(expected):
        raise GraphApiError(
            132000,
            f"The {where} expects {len(expected)} parameters; the request gave {len(given)}.",
        )
    if parameter_format == "NAMED":
        names = {p.get("parameter_name") for p in given if isinstance(p, dict)}
        if names != set(expected):
            raise GraphApiError(132000, f"The {where} expects parameters {sorted(expected)}.")
