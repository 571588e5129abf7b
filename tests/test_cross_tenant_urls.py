"""Every route of the project that takes an id answers 404 for another company's object.

The list of routes is read from the URL configuration: a new route with a path parameter fails
this suite until it gets a case in CASES (or a reasoned entry in EXEMPT).
"""

from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from contactcenter.accounts.models import ApiToken, Invitation, Membership
from inbox.models import CannedResponse, Direction, Label, Media, MediaState, Message
from routing.models import BusinessHours, EntryState, Offer, QueueEntry, RoutingRule
from tests.factories import (
    AgentProfileFactory,
    ChannelFactory,
    ConversationFactory,
    QueueFactory,
    SkillFactory,
)

# Parameters that are not ids of a company's rows.
EXEMPT = {
    "accounts:password_reset_confirm": "signed reset token, checked by Django",
    "accounts:invitation_accept": "single-use secret token, looked up by its hash",
    "sandbox:messages": "the Meta simulator: authorised by the number's bearer token",
    "sandbox:media-upload": "the Meta simulator",
    "sandbox:message-templates": "the Meta simulator",
    "sandbox:node": "the Meta simulator",
    "sandbox:download": "the Meta simulator: signed, expiring URL plus bearer token",
}


def conversation(tenant):
    return {"conversation_id": ConversationFactory(tenant=tenant).pk}


def media(tenant):
    convo = ConversationFactory(tenant=tenant)
    message = Message.objects.create(
        tenant=tenant,
        conversation=convo,
        channel=convo.channel,
        direction=Direction.INBOUND,
        kind="image",
        wamid="wamid.other",
        status="received",
    )
    item = Media.objects.create(tenant=tenant, message=message, state=MediaState.READY)
    return {"media_id": item.pk}


def offer(tenant):
    convo = ConversationFactory(tenant=tenant)
    entry = QueueEntry.objects.create(
        tenant=tenant,
        conversation=convo,
        queue=QueueFactory(tenant=tenant),
        state=EntryState.OFFERED,
    )
    item = Offer.objects.create(
        tenant=tenant,
        conversation=convo,
        entry=entry,
        agent=AgentProfileFactory(tenant=tenant),
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    return {"offer_id": item.pk}


def channel(tenant):
    return {"channel_id": ChannelFactory(tenant=tenant).pk}


def membership(tenant):
    return {"membership_id": Membership.objects.filter(tenant=tenant).first().pk}


def invitation(tenant):
    item = Invitation.objects.create(
        tenant=tenant,
        email="x@b.test",
        role="agent",
        token_hash="0" * 64,
        invited_by=Membership.objects.filter(tenant=tenant).first().user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"invitation_id": item.pk}


def token(tenant):
    item = ApiToken.objects.create(
        tenant=tenant,
        name="b",
        prefix="bprefix",
        key_hash="0" * 64,
        scopes=["inbox:read"],
        created_by=Membership.objects.filter(tenant=tenant).first().user,
    )
    return {"token_id": item.pk}


def skill(tenant):
    return {"pk": SkillFactory(tenant=tenant).pk}


def queue(tenant):
    return {"pk": QueueFactory(tenant=tenant).pk}


def rule(tenant):
    return {
        "pk": RoutingRule.objects.create(
            tenant=tenant, name="r", queue=QueueFactory(tenant=tenant)
        ).pk
    }


def hours(tenant):
    return {"pk": BusinessHours.objects.create(tenant=tenant, name="Office").pk}


def agent(tenant):
    return {"pk": AgentProfileFactory(tenant=tenant).pk}


def label(tenant):
    return {"label_id": Label.objects.create(tenant=tenant, name="VIP").pk}


def canned(tenant):
    item = CannedResponse.objects.create(tenant=tenant, shortcut="hi", title="Hi", body="Hello")
    return {"canned_id": item.pk}


CASES = {
    "inbox-labels": conversation,
    "inbox-consent": conversation,
    "inbox-canned": conversation,
    "inbox-label-edit": label,
    "inbox-label-delete": label,
    "inbox-canned-edit": canned,
    "inbox-canned-delete": canned,
    "routing-queue-edit": lambda tenant: {"queue_id": queue(tenant)["pk"]},
    "routing-skill-delete": lambda tenant: {"skill_id": skill(tenant)["pk"]},
    "routing-agent-edit": lambda tenant: {"agent_id": agent(tenant)["pk"]},
    "routing-rule-edit": lambda tenant: {"rule_id": rule(tenant)["pk"]},
    "routing-rule-move": lambda tenant: {"rule_id": rule(tenant)["pk"]},
    "routing-rule-delete": lambda tenant: {"rule_id": rule(tenant)["pk"]},
    "routing-hours-edit": lambda tenant: {"hours_id": hours(tenant)["pk"]},
    "api-routing-skill-detail": skill,
    "api-routing-queue-detail": queue,
    "api-routing-rule-detail": rule,
    "api-routing-hours-detail": hours,
    "api-routing-agent-detail": agent,
    "inbox-conversation": conversation,
    "inbox-thread": conversation,
    "inbox-reply": conversation,
    "inbox-template": conversation,
    "inbox-note": conversation,
    "inbox-read": conversation,
    "inbox-state": conversation,
    "inbox-take": conversation,
    "inbox-transfer": conversation,
    "inbox-media": media,
    "inbox-offer-accept": offer,
    "inbox-offer-decline": offer,
    "inbox-channel-edit": channel,
    "inbox-channel-check": channel,
    "manage:member_role": membership,
    "manage:member_deactivate": membership,
    "manage:member_sign_out": membership,
    "manage:member_reset_mfa": membership,
    "manage:invitation_revoke": invitation,
    "manage:token_revoke": token,
    "api-membership-role": membership,
    "api-invitation-revoke": invitation,
    "api-token-revoke": token,
    "api-conversation": conversation,
    "api-conversation-messages": conversation,
    "api-conversation-read": conversation,
    "api-conversation-take": conversation,
    "api-channel": channel,
}


def routes_with_parameters(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from routes_with_parameters(pattern.url_patterns, inner)
        elif pattern.pattern.regex.groupindex:
            yield namespace + (pattern.name or f"<unnamed {pattern.pattern}>")


def test_every_route_with_an_id_has_a_cross_tenant_case():
    missing = sorted(set(routes_with_parameters()) - set(CASES) - set(EXEMPT))

    assert not missing, f"Add a cross-tenant case to tests/test_cross_tenant_urls.py for {missing}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_companys_id_is_not_found(name, alice_client, charlie, tenant_b):
    url = reverse(name, kwargs=CASES[name](tenant_b))

    response = alice_client.get(url)
    if response.status_code == 405:
        response = alice_client.post(url, {})

    assert response.status_code == 404, f"{name} answered {response.status_code}"
