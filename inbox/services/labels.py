"""Labels: the tenant's catalogue (admins) and the labels on a conversation (its agents).

A conversation stores label names, so the list shows them without a join; renaming or deleting
a catalogue label rewrites those names in the same transaction.
"""

from django.db import transaction
from django.db.models import F, Func, Value

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.services import record_audit_by
from contactcenter.errors import NotFound, ValidationFailed
from inbox.access import check_may_handle
from inbox.models import Conversation, EventType, Label, LabelColor

from .events import record_event

NAME_MAX = 50


def _clean(tenant: Tenant, name: str, color: str, *, label: Label | None = None) -> tuple:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("Give the label a name.")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"A label name has at most {NAME_MAX} characters.")
    if color not in LabelColor.values:
        raise ValidationFailed(f"Choose a colour among: {', '.join(LabelColor.values)}.")
    taken = Label.objects.for_tenant(tenant).filter(name__iexact=name)
    if label is not None:
        taken = taken.exclude(pk=label.pk)
    if taken.exists():
        raise ValidationFailed(f"A label named {name!r} already exists; choose another name.")
    return name, color


@transaction.atomic(durable=True)
def create_label(
    tenant: Tenant, *, principal: Principal, name: str, color: str = LabelColor.GRAY
) -> Label:
    principal.require(Scope.CONFIG)
    name, color = _clean(tenant, name, color)
    label = Label.objects.create(tenant=tenant, name=name, color=color)
    record_audit_by(principal, "label.created", target=label, data={"name": name, "color": color})
    return label


@transaction.atomic(durable=True)
def update_label(
    tenant: Tenant, *, principal: Principal, label: Label, name: str, color: str
) -> Label:
    """A rename is applied to every conversation that carries the label."""
    principal.require(Scope.CONFIG)
    label = _locked_label(tenant, label.pk)
    old = label.name
    name, color = _clean(tenant, name, color, label=label)
    label.name, label.color = name, color
    label.save(update_fields=["name", "color"])
    if name != old:
        _conversations_with(tenant, old).update(
            labels=Func(F("labels"), Value(old), Value(name), function="array_replace")
        )
    record_audit_by(
        principal, "label.updated", target=label, data={"from": old, "name": name, "color": color}
    )
    return label


@transaction.atomic(durable=True)
def delete_label(tenant: Tenant, *, principal: Principal, label: Label) -> None:
    """Conversations lose the label; their past events keep its name."""
    principal.require(Scope.CONFIG)
    label = _locked_label(tenant, label.pk)
    _conversations_with(tenant, label.name).update(
        labels=Func(F("labels"), Value(label.name), function="array_remove")
    )
    record_audit_by(principal, "label.deleted", target=label, data={"name": label.name})
    label.delete()


def ensure_labels(tenant: Tenant, names: list[str]) -> None:
    """Catalogue entries for names a routing rule adds (composed inside the rule's save)."""
    for name in names:
        if not Label.objects.for_tenant(tenant).filter(name__iexact=name).exists():
            Label.objects.create(tenant=tenant, name=name)


@transaction.atomic(durable=True)
def add_label(
    tenant: Tenant, *, principal: Principal, conversation: Conversation, label: Label
) -> Conversation:
    conversation = _locked_conversation(tenant, principal, conversation, label)
    if label.name not in conversation.labels:
        conversation.labels = [*conversation.labels, label.name]
        conversation.save(update_fields=["labels"])
        record_event(
            conversation, EventType.LABEL_ADDED, actor=principal.user, data={"label": label.name}
        )
    return conversation


@transaction.atomic(durable=True)
def remove_label(
    tenant: Tenant, *, principal: Principal, conversation: Conversation, label: Label
) -> Conversation:
    conversation = _locked_conversation(tenant, principal, conversation, label)
    if label.name in conversation.labels:
        conversation.labels = [name for name in conversation.labels if name != label.name]
        conversation.save(update_fields=["labels"])
        record_event(
            conversation, EventType.LABEL_REMOVED, actor=principal.user, data={"label": label.name}
        )
    return conversation


def apply_rule_labels(conversation: Conversation, names: list[str], *, rule, now) -> None:
    """A routing rule's labels, on the (locked) conversation it routed."""
    added = [name for name in names if name not in conversation.labels]
    if not added:
        return
    conversation.labels = [*conversation.labels, *added]
    conversation.save(update_fields=["labels"])
    for name in added:
        record_event(
            conversation, EventType.LABEL_ADDED, data={"label": name, "rule": rule.pk}, at=now
        )


def _locked_label(tenant: Tenant, label_id: int) -> Label:
    try:
        return Label.objects.for_tenant(tenant).select_for_update().get(pk=label_id)
    except Label.DoesNotExist as exc:
        raise NotFound() from exc


def _locked_conversation(
    tenant: Tenant, principal: Principal, conversation: Conversation, label: Label
) -> Conversation:
    if label.tenant_id != tenant.pk:
        raise NotFound()
    conversation = (
        Conversation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .get(pk=conversation.pk)
    )
    # Resolved ones too: labelling the outcome after the fact is a wrap-up, not a change.
    check_may_handle(principal, conversation)
    return conversation


def _conversations_with(tenant: Tenant, name: str):
    return Conversation.objects.for_tenant(tenant).filter(labels__contains=[name])
