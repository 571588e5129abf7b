"""Consent to business-initiated messages, recorded by an agent from the conversation.

The simple version the template issue builds on: the last recorded answer, when and how it was
given, an event in the conversation's log and an audit row (consent is evidence).
"""

from django.db import transaction
from django.utils import timezone

from contactcenter.accounts.models import Tenant
from contactcenter.accounts.permissions import Principal
from contactcenter.accounts.services import record_audit_by
from contactcenter.errors import ValidationFailed
from inbox.access import check_may_handle
from inbox.models import Consent, Contact, Conversation, EventType

from .events import record_event

SOURCE_MAX = 200


@transaction.atomic(durable=True)
def record_consent(
    tenant: Tenant,
    *,
    principal: Principal,
    conversation: Conversation,
    consent: str,
    source: str,
) -> Contact:
    if consent not in (Consent.OPTED_IN, Consent.OPTED_OUT):
        raise ValidationFailed("Record whether the customer opted in or opted out.")
    source = " ".join((source or "").split())
    if not source:
        raise ValidationFailed(
            "Say how the customer gave this answer, e.g. 'asked in this chat on 3 May'."
        )
    if len(source) > SOURCE_MAX:
        raise ValidationFailed(f"Describe the source in at most {SOURCE_MAX} characters.")
    conversation = Conversation.objects.for_tenant(tenant).get(pk=conversation.pk)
    check_may_handle(principal, conversation)
    contact = Contact.objects.for_tenant(tenant).select_for_update().get(pk=conversation.contact_id)
    now = timezone.now()
    previous = contact.consent
    contact.consent, contact.consent_at, contact.consent_source = consent, now, source
    contact.updated_at = now
    contact.save(update_fields=["consent", "consent_at", "consent_source", "updated_at"])
    data = {"from": previous, "to": consent, "source": source}
    record_event(conversation, EventType.CONSENT_CHANGED, actor=principal.user, data=data, at=now)
    record_audit_by(principal, "contact.consent_changed", target=contact, data=data)
    return contact
