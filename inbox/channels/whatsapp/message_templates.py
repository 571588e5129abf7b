"""Message templates as Meta lists them (reference §8), read into our own shape: the product
keeps and shows `TemplateInfo`, never Meta's JSON. Pure functions, no database."""

import re
from dataclasses import asdict, dataclass

# The statuses the product tells apart; Meta's others (FLAGGED, IN_APPEAL, PENDING_DELETION…,
# reference §8.6) are "OTHER": none of them can be sent.
TEMPLATE_STATUSES = ("APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED")
OTHER_STATUS = "OTHER"

# Variables are positional ({{1}}) or named ({{first_name}}), one style per template (§8.5).
POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class TemplateButton:
    kind: str  # quick_reply, url, phone_number, copy_code, otp, flow…
    text: str = ""
    url: str = ""
    phone_number: str = ""


@dataclass(frozen=True)
class TemplateComponent:
    kind: str  # header, body, footer or buttons
    text: str = ""
    format: str = ""  # a header's: text, image, video, document, gif or location
    buttons: tuple[TemplateButton, ...] = ()

    def as_json(self) -> dict:
        return {**asdict(self), "buttons": [asdict(button) for button in self.buttons]}


@dataclass(frozen=True)
class TemplateInfo:
    """One (name, language) of a business account."""

    graph_id: str
    name: str
    language: str
    category: str
    status: str  # one of TEMPLATE_STATUSES, else OTHER_STATUS
    components: tuple[TemplateComponent, ...] = ()

    @property
    def body_text(self) -> str:
        return next((c.text for c in self.components if c.kind == "body"), "")

    @property
    def body_param_count(self) -> int:
        """How many values a send must give the body."""
        text = self.body_text
        return len(set(POSITIONAL.findall(text)) or set(NAMED.findall(text)))

    def components_as_json(self) -> list[dict]:
        return [component.as_json() for component in self.components]


def read_template_status(value: str) -> str:
    """Meta's status of a template (in a list, or a status update's `event`) as ours."""
    return value if value in TEMPLATE_STATUSES else OTHER_STATUS


def read_template(item: dict) -> TemplateInfo | None:
    """One entry of `GET /{waba_id}/message_templates`; None when it names no template."""
    if not isinstance(item, dict) or not item.get("name") or not item.get("language"):
        return None
    components = item.get("components")
    return TemplateInfo(
        graph_id=str(item.get("id", "")),
        name=str(item["name"]),
        language=str(item["language"]),
        category=str(item.get("category", "")),
        status=read_template_status(str(item.get("status", ""))),
        components=tuple(
            _component(c)
            for c in (components if isinstance(components, list) else [])
            if isinstance(c, dict)
        ),
    )


def _component(component: dict) -> TemplateComponent:
    buttons = component.get("buttons")
    return TemplateComponent(
        kind=str(component.get("type", "")).lower(),
        text=str(component.get("text", "")),
        format=str(component.get("format", "")).lower(),
        buttons=tuple(
            TemplateButton(
                kind=str(button.get("type", "")).lower(),
                text=str(button.get("text", "")),
                url=str(button.get("url", "")),
                phone_number=str(button.get("phone_number", "")),
            )
            for button in (buttons if isinstance(buttons, list) else [])
            if isinstance(button, dict)
        ),
    )
