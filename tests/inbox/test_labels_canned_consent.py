"""Labels, saved replies, consent and whispers: what agents, supervisors and admins can do."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.accounts.models import AuditEvent, Membership, Role
from contactcenter.accounts.permissions import Principal
from inbox.models import CannedResponse, Contact, Conversation, EventType, Label, Message
from routing.services import config
from tests.conftest import signed_in_client
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    MembershipFactory,
    QueueFactory,
    UserFactory,
    enrol_totp,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mine(tenant_a, bob):
    return ConversationFactory(
        tenant=tenant_a,
        contact=ContactFactory(tenant=tenant_a, name="Maria da Silva"),
        assignee=bob,
        state="assigned",
        last_inbound_at=timezone.now() - timedelta(hours=1),
    )


@pytest.fixture
def sara(tenant_a):
    user = UserFactory(email="sara@a.test", full_name="Sara Supervisor")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.SUPERVISOR)
    enrol_totp(user)
    return user


@pytest.fixture
def sara_client(sara):
    return signed_in_client(sara)


@pytest.fixture
def vip(tenant_a):
    return Label.objects.create(tenant=tenant_a, name="VIP", color="purple")


# --- labels ---------------------------------------------------------------------------------


def test_an_admin_creates_labels_and_a_duplicate_name_is_refused(alice_client, tenant_a):
    url = reverse("inbox-labels-admin")

    assert alice_client.post(url, {"name": " Refund  request ", "color": "red"}).status_code == 302
    again = alice_client.post(url, {"name": "refund REQUEST", "color": "blue"})

    assert Label.objects.get(tenant=tenant_a).name == "Refund request"
    assert "already exists" in again.content.decode()
    assert AuditEvent.objects.filter(tenant=tenant_a, action="label.created").count() == 1


def test_agents_cannot_manage_the_label_catalogue(bob_client):
    response = bob_client.post(reverse("inbox-labels-admin"), {"name": "x", "color": "red"})

    assert response.status_code == 403 and not Label.objects.exists()


def test_an_agent_labels_and_unlabels_their_conversation(bob_client, mine, vip):
    url = reverse("inbox-labels", args=[mine.pk])

    page = bob_client.post(url, {"action": "add", "label": vip.pk}, **HX).content.decode()
    mine.refresh_from_db()
    assert mine.labels == ["VIP"]
    assert 'class="label-chip label-purple"' in page
    listed = bob_client.get(reverse("inbox-list")).content.decode()
    assert "label-chip small label-purple" in listed

    bob_client.post(url, {"action": "remove", "label": vip.pk}, **HX)
    mine.refresh_from_db()
    assert mine.labels == []
    types = list(mine.events.values_list("type", flat=True))
    assert types == [EventType.LABEL_ADDED, EventType.LABEL_REMOVED]


def test_an_agent_cannot_label_a_colleagues_conversation(bob_client, tenant_a, alice, vip):
    theirs = ConversationFactory(tenant=tenant_a, assignee=alice, state="assigned")

    response = bob_client.post(
        reverse("inbox-labels", args=[theirs.pk]), {"action": "add", "label": vip.pk}
    )

    assert response.status_code == 404
    assert Conversation.objects.get(pk=theirs.pk).labels == []


def test_another_companys_label_is_not_found(bob_client, mine, tenant_b):
    foreign = Label.objects.create(tenant=tenant_b, name="Theirs")

    response = bob_client.post(
        reverse("inbox-labels", args=[mine.pk]), {"action": "add", "label": foreign.pk}
    )

    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.labels == []


def test_renaming_and_deleting_a_label_follows_it_onto_conversations(alice_client, tenant_a, vip):
    tagged = ConversationFactory(tenant=tenant_a, labels=["VIP", "Refund"])
    other = ConversationFactory(tenant=tenant_a, labels=["Refund"])

    alice_client.post(
        reverse("inbox-label-edit", args=[vip.pk]), {"name": "Gold", "color": "yellow"}
    )
    tagged.refresh_from_db()
    assert tagged.labels == ["Gold", "Refund"]

    alice_client.post(reverse("inbox-label-delete", args=[vip.pk]))
    tagged.refresh_from_db()
    other.refresh_from_db()
    assert (tagged.labels, other.labels) == (["Refund"], ["Refund"])
    assert not Label.objects.filter(pk=vip.pk).exists()


def test_a_rules_labels_join_the_catalogue(alice, tenant_a):
    principal = Principal.for_membership(Membership.objects.get(user=alice, tenant=tenant_a))
    config.create_rule(
        tenant_a,
        principal=principal,
        name="Refunds",
        queue=QueueFactory(tenant=tenant_a),
        keywords=["refund"],
        labels=["money"],
    )

    assert list(Label.objects.filter(tenant=tenant_a).values_list("name", flat=True)) == ["money"]


# --- saved replies --------------------------------------------------------------------------


def test_a_supervisor_saves_a_reply_and_unknown_variables_are_refused(sara_client, tenant_a):
    url = reverse("inbox-canned-create")
    bad = sara_client.post(url, {"shortcut": "hi", "title": "Hi", "body": "Hi {{ customer }}"})

    assert "Unknown variable customer" in bad.content.decode()
    assert "{{ contact.first_name }}" in bad.content.decode()
    ok = sara_client.post(
        url, {"shortcut": "/Hi", "title": "Greeting", "body": "Hi {{contact.first_name}}!"}
    )
    assert ok.status_code == 302
    assert CannedResponse.objects.get(tenant=tenant_a).shortcut == "hi"
    taken = sara_client.post(url, {"shortcut": "hi", "title": "Again", "body": "Hello"})
    assert "/hi is already used" in taken.content.decode()
    assert AuditEvent.objects.filter(tenant=tenant_a, action="canned.created").count() == 1


def test_agents_use_saved_replies_but_cannot_edit_them(bob_client):
    response = bob_client.post(
        reverse("inbox-canned-create"), {"shortcut": "x", "title": "x", "body": "x"}
    )

    assert response.status_code == 403 and not CannedResponse.objects.exists()


def test_the_slash_menu_lists_matches_filled_in_for_the_conversation(bob_client, mine, tenant_a):
    CannedResponse.objects.create(
        tenant=tenant_a,
        shortcut="hello",
        title="Greeting",
        body="Hi {{ contact.first_name }}, {{ agent.first_name }} from {{ company.name }} here.",
    )
    CannedResponse.objects.create(
        tenant=tenant_a, shortcut="bye", title="Say hello later", body="Bye"
    )
    CannedResponse.objects.create(tenant=tenant_a, shortcut="refund", title="Refunds", body="...")

    found = bob_client.get(reverse("inbox-canned", args=[mine.pk]), {"q": "hel"}).json()["results"]

    assert [r["shortcut"] for r in found] == ["hello", "bye"]  # shortcut match, then title
    assert found[0]["text"] == "Hi Maria, Bob from Acme here."


# --- consent --------------------------------------------------------------------------------


def test_an_agent_records_consent_with_its_source(bob_client, mine, tenant_a):
    url = reverse("inbox-consent", args=[mine.pk])

    missing = bob_client.post(url, {"consent": "opted_in", "source": " "}, **HX).content.decode()
    assert "say how the customer answered" in missing
    assert Contact.objects.get(pk=mine.contact_id).consent == "unknown"

    page = bob_client.post(
        url, {"consent": "opted_in", "source": "Agreed in this chat"}, **HX
    ).content.decode()
    contact = Contact.objects.get(pk=mine.contact_id)
    assert (contact.consent, contact.consent_source) == ("opted_in", "Agreed in this chat")
    assert "Opted in" in page and "Agreed in this chat" in page
    event = mine.events.get(type=EventType.CONSENT_CHANGED)
    assert event.data == {"from": "unknown", "to": "opted_in", "source": "Agreed in this chat"}
    assert AuditEvent.objects.filter(tenant=tenant_a, action="contact.consent_changed").exists()


def test_the_contact_panel_shows_crm_context(bob_client, mine):
    mine.contact.attributes = {"tier": "gold", "account": "<b>A-17</b>"}
    mine.contact.save()

    page = bob_client.get(reverse("inbox-conversation", args=[mine.pk]), **HX).content.decode()

    assert "CRM context" in page and "gold" in page
    assert "&lt;b&gt;A-17&lt;/b&gt;" in page


# --- whispers -------------------------------------------------------------------------------


def test_a_supervisor_whispers_to_the_agent(sara_client, sara, mine, bob):
    page = sara_client.get(reverse("inbox-conversation", args=[mine.pk]), **HX).content.decode()
    assert "Whisper to Bob" in page

    sara_client.post(
        reverse("inbox-note", args=[mine.pk]), {"text": "Offer the refund", "whisper": "1"}, **HX
    )

    note = Message.objects.get(conversation=mine)
    assert (note.kind, note.is_internal_note, note.author) == ("whisper", True, sara)
    assert note.addressee == bob
    event = mine.events.get(type=EventType.NOTE_ADDED)
    assert event.data == {
        "message": note.pk,
        "whisper": True,
        "private_to": bob.pk,
        "text": "Offer the refund",
    }


def test_agents_cannot_whisper(bob_client, mine):
    page = bob_client.post(
        reverse("inbox-note", args=[mine.pk]), {"text": "psst", "whisper": "1"}, **HX
    ).content.decode()

    assert "Only supervisors whisper" in page
    assert not Message.objects.filter(conversation=mine).exists()


# --- the whole story ------------------------------------------------------------------------


def test_the_thread_shows_the_contacts_earlier_conversations_on_any_channel(
    bob_client, mine, tenant_a
):
    other_number = ChannelFactory(tenant=tenant_a, name="Sales line")
    earlier = ConversationFactory(
        tenant=tenant_a, contact=mine.contact, channel=other_number, state="resolved"
    )
    for conversation, text in ((earlier, "Last month's question"), (mine, "Today's question")):
        Message.objects.create(
            tenant=tenant_a,
            conversation=conversation,
            channel=conversation.channel,
            direction="in",
            kind="text",
            text=text,
            status="received",
        )

    page = bob_client.get(reverse("inbox") + f"?c={mine.pk}").content.decode()

    assert page.index("Last month&#x27;s question") < page.index("Today&#x27;s question")
    assert "Earlier conversation" in page and "Sales line" in page
    assert "This conversation" in page
    assert "message " not in page.split('id="thread"')[0]  # no thread rows in the flash area
