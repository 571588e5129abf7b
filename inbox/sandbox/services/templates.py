"""Message templates as Meta keeps them (reference §8): created PENDING with Meta's checks,
reviewed a moment later (APPROVED, or REJECTED for demo names), each status change told to our
receiver, listed with fields, filters and cursor paging."""

import base64
import re
import time

from django.conf import settings
from django.db import transaction

from .. import payloads
from ..errors import GraphApiError
from ..models import SandboxNumber, SandboxTemplate, SandboxWebhook, TemplateStatus
from ..validation import placeholders
from .webhooks import deliver_on_commit, deliver_webhook, enqueue_on_commit, require_enabled

CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
_LANGUAGE_CODES = (
    "af ar az bg bn ca cs da de el en en_GB en_US es es_AR es_ES es_MX et fa fi fil fr ga gu he "
    "hi hr hu id it ja kk ko lo lt lv mk ms mr nb nl pa pl pt_BR pt_PT ro ru sk sl sq sr sv sw "
    "ta te th tr uk ur uz vi zh_CN zh_HK zh_TW"
)
LANGUAGES = frozenset(_LANGUAGE_CODES.split(" "))
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
TEMPLATE_FIELDS = ("name", "language", "status", "category", "components", "parameter_format", "id")


def _bad_template(details: str, subcode: int | None = None) -> GraphApiError:
    return GraphApiError(100, details, subcode=subcode)


def _check_text_component(component: dict, limit: int, what: str, parameter_format: str):
    text = component.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad_template(f"The {what} needs a text.")
    if len(text) > limit:
        raise _bad_template(f"The {what} is {len(text)} characters; the limit is {limit}.", 2388040)
    return placeholders(text, parameter_format)


def check_template_create(body: dict) -> dict:
    """Name, language, category and components as §8.4-§8.5 say; returns clean fields."""
    name = body.get("name")
    if not name:
        raise GraphApiError(131008, "The parameter name is required.")
    if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
        raise _bad_template("Template names use lowercase letters, digits and underscores only.")
    language = body.get("language")
    if language not in LANGUAGES:
        raise _bad_template(f"Language {language!r} is not supported.")
    category = str(body.get("category", "")).upper()
    if category not in CATEGORIES:
        raise _bad_template(f"Category must be one of {', '.join(CATEGORIES)}.")
    parameter_format = str(body.get("parameter_format", "positional")).upper()
    if parameter_format not in ("POSITIONAL", "NAMED"):
        raise _bad_template("parameter_format must be named or positional.")
    components = body.get("components")
    if not isinstance(components, list) or not components:
        raise GraphApiError(131008, "The parameter components is required.")
    types = [str(c.get("type", "")).upper() if isinstance(c, dict) else "" for c in components]
    if types.count("BODY") != 1:
        raise _bad_template("A template needs exactly one BODY component.")
    for component, ctype in zip(components, types, strict=True):
        if ctype == "BODY":
            names = _check_text_component(component, 1024, "body", parameter_format)
            text = component["text"].strip()
            if re.match(r"^\{\{[^}]+\}\}", text) or re.search(r"\{\{[^}]+\}\}$", text):
                raise _bad_template("Variables cannot start or end the body.", 2388299)
            if names and not component.get("example"):
                raise _bad_template("Give example values for the body's variables.")
        elif ctype == "HEADER":
            fmt = str(component.get("format", "TEXT")).upper()
            if fmt == "TEXT":
                names = _check_text_component(component, 60, "header", parameter_format)
                if len(names) > 1:
                    raise _bad_template("A text header takes at most one variable.", 2388047)
            elif fmt not in ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF"):
                raise _bad_template(f"Header format {fmt} is not valid.", 2388047)
        elif ctype == "FOOTER":
            if _check_text_component(component, 60, "footer", parameter_format):
                raise _bad_template("The footer cannot have variables.", 2388073)
        elif ctype == "BUTTONS":
            _check_template_buttons(component.get("buttons"))
        else:
            raise _bad_template(f"Component type {ctype or '(none)'} is not valid.")
    return {
        "name": name,
        "language": language,
        "category": category,
        "parameter_format": parameter_format,
        "components": components,
    }


def _check_template_buttons(buttons) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 10:
        raise _bad_template("BUTTONS takes between 1 and 10 buttons.")
    kinds = [str(b.get("type", "")).upper() for b in buttons if isinstance(b, dict)]
    if len(kinds) != len(buttons):
        raise _bad_template("Each button must be a JSON object.")
    quick = [i for i, k in enumerate(kinds) if k == "QUICK_REPLY"]
    if quick and quick != list(range(quick[0], quick[0] + len(quick))):
        raise _bad_template("Quick reply buttons must be grouped together.")
    if kinds.count("URL") > 2 or kinds.count("PHONE_NUMBER") > 1 or kinds.count("COPY_CODE") > 1:
        raise _bad_template("Too many URL, phone or copy-code buttons.")
    for button, kind in zip(buttons, kinds, strict=True):
        if (
            kind in ("QUICK_REPLY", "URL", "PHONE_NUMBER")
            and not 1 <= len(str(button.get("text", ""))) <= 25
        ):
            raise _bad_template("Button texts have 1 to 25 characters.")
        if kind == "URL" and not str(button.get("url", "")).startswith(("https://", "http://")):
            raise _bad_template("URL buttons need a url.")


@transaction.atomic
def create_template(number: SandboxNumber, body: dict) -> dict:
    """`POST /{waba_id}/message_templates`: PENDING now, reviewed after a short delay."""
    if not isinstance(body, dict):
        raise GraphApiError(100, "The request body must be a JSON object.")
    fields = check_template_create(body)
    exists = SandboxTemplate.objects.filter(
        waba_id=number.waba_id, name=fields["name"], language=fields["language"]
    ).exists()
    if exists:
        raise _bad_template(
            f"Content in this language already exists for {fields['name']}.", 2388024
        )
    template = SandboxTemplate.objects.create(
        waba_id=number.waba_id, graph_id=int(payloads.new_graph_id()), **fields
    )
    enqueue_on_commit(
        "sandbox.review_template", template.pk, countdown=settings.SANDBOX_TEMPLATE_REVIEW_S
    )
    return {"id": str(template.graph_id), "status": template.status, "category": template.category}


def review_template(template_id: int) -> SandboxTemplate | None:
    """Meta's review: APPROVED, or REJECTED for names starting with `reject` (for demos)."""
    require_enabled()
    template = SandboxTemplate.objects.filter(pk=template_id, status=TemplateStatus.PENDING).first()
    if template is None:
        return None
    if template.name.startswith("reject"):
        return set_template_status(template, TemplateStatus.REJECTED, reason="INVALID_FORMAT")
    return set_template_status(template, TemplateStatus.APPROVED)


def set_template_status(
    template: SandboxTemplate, status: str, *, reason: str = "NONE", deliver_now: bool = False
) -> SandboxTemplate:
    """Changes a template's status and tells our receiver (message_template_status_update)."""
    number = SandboxNumber.objects.filter(waba_id=template.waba_id).order_by("pk").first()
    with transaction.atomic():
        template.status = status
        template.rejected_reason = reason if status == TemplateStatus.REJECTED else ""
        template.save(update_fields=["status", "rejected_reason"])
        if number is None:
            return template
        body = payloads.template_status_payload(
            template, event=status, reason=reason, at=int(time.time())
        )
        webhook = SandboxWebhook.objects.create(number=number, body=payloads.encode(body).decode())
        if not deliver_now:
            deliver_on_commit(webhook)
    if deliver_now:
        deliver_webhook(webhook.pk)
    return template


def _cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode()


def _uncursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise GraphApiError(100, "Invalid paging cursor.") from None


def template_fields(template: SandboxTemplate, fields: tuple[str, ...]) -> dict:
    row = {
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "components": template.components,
        "parameter_format": template.parameter_format,
        "id": str(template.graph_id),
    }
    return {key: row[key] for key in fields if key in row}


def list_templates(number: SandboxNumber, params, *, next_base: str) -> dict:
    """`GET /{waba_id}/message_templates` with fields, filters and cursor paging (§8.1, §8.7)."""
    requested = tuple(f.strip() for f in params.get("fields", "").split(",") if f.strip())
    fields = tuple(f for f in requested if f in TEMPLATE_FIELDS) or TEMPLATE_FIELDS
    if "id" not in fields:
        fields = (*fields, "id")
    try:
        limit = max(1, min(int(params.get("limit", 25)), 1000))
    except ValueError:
        raise GraphApiError(100, "Param limit must be a number.") from None
    rows = SandboxTemplate.objects.filter(waba_id=number.waba_id).order_by("pk")
    if params.get("status"):
        rows = rows.filter(status=params["status"].upper())
    if params.get("name"):
        rows = rows.filter(name__icontains=params["name"])
    if params.get("after"):
        rows = rows.filter(pk__gt=_uncursor(params["after"]))
    page = list(rows[: limit + 1])
    has_more, page = len(page) > limit, page[:limit]
    body: dict = {"data": [template_fields(t, fields) for t in page]}
    if page:
        paging: dict = {"cursors": {"before": _cursor(page[0].pk), "after": _cursor(page[-1].pk)}}
        if has_more:
            query = {
                **{k: params[k] for k in params if k != "after"},
                "after": _cursor(page[-1].pk),
            }
            paging["next"] = next_base + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        body["paging"] = paging
    return body
