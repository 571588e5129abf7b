"""Canned responses: saved replies with variables, managed by supervisors and admins, inserted
by agents with `/shortcut` in the composer.

Variables are checked when a response is saved, so an agent never sees a broken placeholder.
"""

import re

from django.db import transaction
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.services import record_audit_by
from contactcenter.errors import NotFound, ValidationFailed
from inbox.models import CannedResponse, Conversation

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")
VARIABLES = (
    "contact.name",
    "contact.first_name",
    "contact.phone",
    "agent.name",
    "agent.first_name",
    "company.name",
)
BODY_MAX = 4096


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else ""


def variables_for(conversation: Conversation, agent) -> dict[str, str]:
    """The values of every variable for this conversation and agent ("" when unknown)."""
    from inbox.selectors import contact_identities

    contact = conversation.contact
    phone = next((i.wa_id for i in contact_identities(contact) if i.wa_id), "")
    agent_name = (agent.full_name or "") if agent else ""
    return {
        "contact.name": contact.name,
        "contact.first_name": _first_name(contact.name),
        "contact.phone": f"+{phone}" if phone else "",
        "agent.name": agent_name,
        "agent.first_name": _first_name(agent_name),
        "company.name": conversation.tenant.name,
    }


def render(body: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda match: values.get(match.group(1), ""), body)


def _clean(tenant: Tenant, shortcut: str, title: str, body: str, *, canned=None) -> tuple:
    shortcut = (shortcut or "").strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise ValidationFailed(
            "The shortcut is 1 to 40 lowercase letters, digits, - or _ (typed after /)."
        )
    title, body = " ".join((title or "").split()), (body or "").strip()
    if not title:
        raise ValidationFailed("Give the response a title agents recognise.")
    if not body:
        raise ValidationFailed("Write the text of the response.")
    if len(body) > BODY_MAX:
        raise ValidationFailed(f"The text has at most {BODY_MAX} characters.")
    unknown = sorted({name for name in VARIABLE.findall(body) if name not in VARIABLES})
    if unknown:
        known = ", ".join("{{ " + name + " }}" for name in VARIABLES)
        raise ValidationFailed(f"Unknown variable {', '.join(unknown)}; use {known}.")
    taken = CannedResponse.objects.for_tenant(tenant).filter(shortcut=shortcut)
    if canned is not None:
        taken = taken.exclude(pk=canned.pk)
    if taken.exists():
        raise ValidationFailed(f"/{shortcut} is already used; choose another shortcut.")
    return shortcut, title, body


def _audit(principal: Principal, action: str, canned: CannedResponse) -> None:
    data = {"shortcut": canned.shortcut, "title": canned.title}
    record_audit_by(principal, action, target=canned, data=data)


@transaction.atomic(durable=True)
def create_canned(
    tenant: Tenant, *, principal: Principal, shortcut: str, title: str, body: str
) -> CannedResponse:
    principal.require(Scope.CONVERSATIONS_ALL)
    shortcut, title, body = _clean(tenant, shortcut, title, body)
    canned = CannedResponse.objects.create(
        tenant=tenant, shortcut=shortcut, title=title, body=body, created_by=principal.user
    )
    _audit(principal, "canned.created", canned)
    return canned


@transaction.atomic(durable=True)
def update_canned(
    tenant: Tenant,
    *,
    principal: Principal,
    canned: CannedResponse,
    shortcut: str,
    title: str,
    body: str,
) -> CannedResponse:
    principal.require(Scope.CONVERSATIONS_ALL)
    canned = _locked(tenant, canned.pk)
    canned.shortcut, canned.title, canned.body = _clean(
        tenant, shortcut, title, body, canned=canned
    )
    canned.updated_at = timezone.now()
    canned.save(update_fields=["shortcut", "title", "body", "updated_at"])
    _audit(principal, "canned.updated", canned)
    return canned


@transaction.atomic(durable=True)
def delete_canned(tenant: Tenant, *, principal: Principal, canned: CannedResponse) -> None:
    principal.require(Scope.CONVERSATIONS_ALL)
    canned = _locked(tenant, canned.pk)
    _audit(principal, "canned.deleted", canned)
    canned.delete()


def _locked(tenant: Tenant, canned_id: int) -> CannedResponse:
    try:
        return CannedResponse.objects.for_tenant(tenant).select_for_update().get(pk=canned_id)
    except CannedResponse.DoesNotExist as exc:
        raise NotFound() from exc
