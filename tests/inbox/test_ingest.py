"""Processing stored deliveries on real PostgreSQL: contacts, conversations, messages, events,
statuses, dead letters, number changes, reopening and the 24-hour window."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from inbox.channels.whatsapp.errors import HUMAN_MESSAGES
from inbox.channels.whatsapp.parser import parse_webhook, preview_text
from inbox.channels.whatsapp.signature import sign
from inbox.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    ConversationState,
    DeadLetter,
    DeliveryState,
    EarlyStatus,
    EventType,
    Media,
    Message,
    MessageStatus,
    WebhookDelivery,
)
from inbox.services import ingest
from inbox.services.sending import _mark_accepted
from inbox.services.webhooks import accept_delivery
from tests.factories import ChannelFactory, ContactFactory, ConversationFactory

from .fixtures import CUSTOMER_WA_ID, INBOUND, PHONE_NUMBER_ID, load, value_of, wire

SECRET = "app-secret-of-acme"
OUR_WAMID = "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI5QTNDMEQ4RkY3QTJCRTkx{}AA="
T0 = 1750000001  # the reference's text message


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.fixture
def channel(tenant_a):
    return ChannelFactory(tenant=tenant_a, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET)


def deliver(payload: dict) -> WebhookDelivery:
    """As Meta would: signed POST accepted (one row), then the worker's processing."""
    raw = wire(payload)
    assert accept_delivery(raw, sign(raw, SECRET)).status == 200
    delivery = WebhookDelivery.objects.order_by("-pk").first()
    assert ingest.process_delivery(delivery.pk) is True
    delivery.refresh_from_db()
    return delivery


def text_from(wa_id: str, wamid: str, seconds: int, body: str = "hello", name: str = "Ana"):
    payload = load("text")
    value = value_of(payload)
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"] = [
        {
            "from": wa_id,
            "id": wamid,
            "timestamp": str(seconds),
            "type": "text",
            "text": {"body": body},
        }
    ]
    return payload


def status_of(name: str, wamid: str) -> dict:
    payload = load(name)
    value_of(payload)["statuses"][0]["id"] = wamid
    return payload


def events(conversation, type_) -> list[ConversationEvent]:
    return list(ConversationEvent.objects.filter(conversation=conversation, type=type_))


# --- one inbound message ------------------------------------------------------------------------


def test_a_first_message_creates_contact_identity_conversation_message_and_events(channel):
    delivery = deliver(load("text"))

    assert delivery.state == DeliveryState.PROCESSED
    assert delivery.processed_at is not None and delivery.attempts == 1
    identity = ContactIdentity.objects.get()
    assert (identity.wa_id, identity.user_id, identity.profile_name) == (
        CUSTOMER_WA_ID,
        None,
        "Ana Souza",
    )
    assert identity.tenant_id == channel.tenant_id
    assert identity.contact.name == "Ana Souza"
    conversation = Conversation.objects.get()
    assert (conversation.contact_id, conversation.channel_id) == (identity.contact_id, channel.pk)
    assert conversation.state == ConversationState.QUEUED
    assert conversation.opened_at == at(T0)
    assert conversation.last_inbound_at == conversation.last_message_at == at(T0)
    assert conversation.last_message_preview == "Hi, my order #4411 has not arrived yet"
    assert conversation.unread_count == 1
    message = Message.objects.get()
    assert (message.direction, message.kind, message.status) == ("in", "text", "received")
    assert message.wamid == "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzRUIwQTFCMkMzRDRFNUY2QTdC01AA="
    assert message.sent_at == at(T0)
    assert message.payload == value_of(load("text"))["messages"][0]
    opened, received = ConversationEvent.objects.filter(conversation=conversation).order_by("pk")
    assert opened.type == EventType.CONVERSATION_OPENED
    assert received.type == EventType.MESSAGE_RECEIVED
    assert received.data == {
        "message": message.pk,
        "kind": "text",
        "preview": "Hi, my order #4411 has not arrived yet",
    }
    assert received.at == at(T0)
    assert not DeadLetter.objects.exists()


def test_a_processed_delivery_is_not_processed_again(channel):
    delivery = deliver(load("text"))

    assert ingest.process_delivery(delivery.pk) is False
    assert Message.objects.count() == 1


MEDIA = {"image", "audio_voice", "audio_file", "video", "document", "sticker"}


@pytest.mark.parametrize("name", INBOUND)
def test_every_inbound_type_is_stored_with_a_sensible_preview(channel, name):
    payload = load(name)
    parsed = parse_webhook(load(name)).messages

    deliver(payload)

    assert not DeadLetter.objects.exists()
    stored = list(Message.objects.order_by("sent_at", "pk"))
    assert [(m.wamid, m.kind, m.text) for m in stored] == [
        (p.wamid, p.kind, p.text) for p in parsed
    ]
    conversation = Conversation.objects.get()
    latest = max(parsed, key=lambda p: p.timestamp)
    assert conversation.last_message_preview == preview_text(latest)
    assert conversation.last_message_preview and not conversation.last_message_preview.startswith(
        "["
    )
    assert len(events(conversation, EventType.MESSAGE_RECEIVED)) == len(parsed)
    if name in MEDIA:
        media = Media.objects.get()
        assert (media.graph_media_id, media.mime_type) == (
            parsed[0].media.id,
            parsed[0].media.mime_type,
        )
        assert media.message == stored[0]
    else:
        assert not Media.objects.exists()
    assert stored[0].reply_to_wamid == parsed[0].reply_to_wamid


@pytest.mark.parametrize(
    ("name", "preview"),
    [
        ("audio_voice", "🎤 Voice message"),
        ("document", "📄 Document: Invoice"),
        ("order", "🛒 Order (3 items): Gift wrap please"),
        ("interactive_nfm_reply", "📝 Form completed"),
        ("unsupported", "Message type not supported by WhatsApp (poll)"),
        ("reaction", "Removed a reaction"),
    ],
)
def test_previews_say_what_arrived(channel, name, preview):
    deliver(load(name))

    assert Conversation.objects.get().last_message_preview == preview


def test_a_username_only_sender_becomes_a_contact_keyed_on_the_user_id(channel):
    deliver(load("bsuid_only_sender"))

    identity = ContactIdentity.objects.get()
    assert (identity.wa_id, identity.user_id, identity.username) == (
        None,
        "BR.20000000000000000042",
        "@bea.lima",
    )
    assert identity.contact.name == "Bea Lima"

    # Later the phone number is disclosed: same contact, the identity learns it.
    later = text_from("5511977776666", "wamid.bea-2", 1775000400)
    value_of(later)["messages"][0]["from_user_id"] = "BR.20000000000000000042"
    deliver(later)

    identity.refresh_from_db()
    assert identity.wa_id == "5511977776666"
    assert Contact.objects.count() == 1 and Conversation.objects.count() == 1


def test_the_same_customer_on_two_tenants_is_two_contacts(channel, tenant_b):
    ChannelFactory(tenant=tenant_b, phone_number_id="106540000000777", app_secret=SECRET)
    other = load("text")
    value_of(other)["metadata"]["phone_number_id"] = "106540000000777"

    deliver(load("text"))
    deliver(other)

    assert Message.objects.count() == 2  # same wamid, another tenant's number
    assert sorted(ContactIdentity.objects.values_list("tenant_id", flat=True)) == sorted(
        [channel.tenant_id, tenant_b.pk]
    )


# --- duplicates --------------------------------------------------------------------------------


def test_a_duplicate_delivery_changes_nothing(channel):
    deliver(load("image"))
    before = ConversationEvent.objects.count()

    second = deliver(load("image"))

    assert second.state == DeliveryState.PROCESSED
    assert Message.objects.count() == 1 and Media.objects.count() == 1
    assert ConversationEvent.objects.count() == before
    assert Conversation.objects.get().unread_count == 1


# --- statuses ----------------------------------------------------------------------------------


@pytest.fixture
def outbound(channel):
    conversation = ConversationFactory(tenant=channel.tenant, channel=channel)

    def make(wamid: str, status: str = MessageStatus.ACCEPTED) -> Message:
        return Message.objects.create(
            tenant=channel.tenant,
            conversation=conversation,
            channel=channel,
            direction="out",
            kind="text",
            wamid=wamid,
            text="Your order shipped",
            status=status,
        )

    return make


def test_statuses_out_of_order_leave_the_message_read(outbound):
    wamid = OUR_WAMID.format("10")
    message = outbound(wamid)

    for name in ("status_read", "status_delivered", "status_sent"):
        deliver(status_of(name, wamid))
    message.refresh_from_db()

    assert message.status == MessageStatus.READ
    assert message.status_at == at(1750030200)
    changes = events(message.conversation, EventType.STATUS_CHANGED)
    assert [e.data["status"] for e in changes] == ["read"]

    deliver(status_of("status_delivered", wamid))  # a late retry of delivered
    message.refresh_from_db()
    assert message.status == MessageStatus.READ


def test_statuses_in_order_move_forward_one_event_each(outbound):
    wamid = OUR_WAMID.format("13")
    message = outbound(wamid)

    for name in ("status_sent", "status_delivered", "status_read", "status_played"):
        deliver(status_of(name, wamid))
    deliver(status_of("status_read", wamid))  # duplicate

    message.refresh_from_db()
    assert message.status == MessageStatus.PLAYED
    changes = events(message.conversation, EventType.STATUS_CHANGED)
    assert [e.data["status"] for e in changes] == ["sent", "delivered", "read", "played"]


@pytest.mark.parametrize(
    ("name", "code", "title"),
    [
        ("status_failed_131047", 131047, "Re-engagement message"),
        ("status_failed_131049", 131049, "This message was not delivered"),
        ("status_failed_131053", 131053, "Media upload error"),
    ],
)
def test_failed_is_terminal_and_tells_the_agent_why(outbound, name, code, title):
    wamid = OUR_WAMID.format("14")
    message = outbound(wamid)

    deliver(status_of("status_sent", wamid))
    deliver(status_of(name, wamid))
    deliver(status_of("status_delivered", wamid))
    deliver(status_of("status_read", wamid))
    message.refresh_from_db()

    assert message.status == MessageStatus.FAILED
    assert message.error_code == code
    assert message.error_title.startswith(title)
    assert message.error_message == HUMAN_MESSAGES[code]
    (failed,) = [
        e
        for e in events(message.conversation, EventType.STATUS_CHANGED)
        if e.data["status"] == "failed"
    ]
    assert failed.data["error"] == HUMAN_MESSAGES[code]


def test_a_status_before_its_message_is_kept_and_applied_when_the_send_stores_the_wamid(
    channel, outbound
):
    wamid = OUR_WAMID.format("11")
    deliver(status_of("status_read", wamid))
    deliver(status_of("status_delivered", wamid))

    early = EarlyStatus.objects.get(status="read")
    assert (early.wamid, early.channel_id, early.at) == (wamid, channel.pk, at(1750030200))
    assert EarlyStatus.objects.count() == 2

    message = outbound(None, status=MessageStatus.SENDING)
    _mark_accepted(message, wamid)  # the send's answer, as sending.deliver stores it

    message.refresh_from_db()
    assert message.status == MessageStatus.READ
    assert message.status_at == at(1750030200)
    assert not EarlyStatus.objects.exists()


def test_statuses_whose_message_never_appears_are_forgotten_after_a_day(channel, outbound):
    deliver(status_of("status_read", OUR_WAMID.format("12")))
    deliver(status_of("status_read", OUR_WAMID.format("13")))
    EarlyStatus.objects.filter(wamid=OUR_WAMID.format("12")).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )

    assert ingest.sweep_early_statuses() == 1

    assert list(EarlyStatus.objects.values_list("wamid", flat=True)) == [OUR_WAMID.format("13")]
    message = outbound(None, status=MessageStatus.SENDING)
    _mark_accepted(message, OUR_WAMID.format("13"))  # a recent one still reaches its message
    message.refresh_from_db()
    assert message.status == MessageStatus.READ


def test_an_early_failed_status_fails_the_message_with_its_error(channel, outbound):
    wamid = OUR_WAMID.format("14")
    deliver(status_of("status_failed_131047", wamid))
    message = outbound(None, status=MessageStatus.SENDING)

    _mark_accepted(message, wamid)

    message.refresh_from_db()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, 131047)
    assert message.error_message == HUMAN_MESSAGES[131047]


# --- poison items ------------------------------------------------------------------------------


def test_a_batch_with_poison_items_parks_them_and_processes_the_rest(channel):
    payload = load("batch")  # its second entry names a number that is no channel of ours
    value = value_of(payload)
    value["messages"][1].pop("id")  # malformed
    value["messages"].append(
        {  # breaks in the database (kind longer than the column) after creating a contact
            "from": "5511900000000",
            "id": "wamid.poison",
            "timestamp": "1750000040",
            "type": "x" * 40,
        }
    )

    delivery = deliver(payload)

    assert delivery.state == DeliveryState.PROCESSED
    parked = {d.path: d for d in DeadLetter.objects.filter(delivery=delivery)}
    assert set(parked) == {
        "entry[0].changes[0].messages[1]",
        "message wamid.poison",
        "message wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzRUIwQTFCMkMzRDRFNUY2QTdC02AA=",
    }
    assert "message without id" in parked["entry[0].changes[0].messages[1]"].reason
    assert parked["entry[0].changes[0].messages[1]"].item["from"] == "5511988887777"
    assert "DataError" in parked["message wamid.poison"].reason
    image = parked["message wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzRUIwQTFCMkMzRDRFNUY2QTdC02AA="]
    assert "LookupError" in image.reason and image.item["type"] == "image"
    assert {d.tenant_id for d in parked.values()} == {channel.tenant_id}
    # The good message is stored; the poison item's contact was rolled back with it.
    assert list(Message.objects.values_list("text", flat=True)) == [
        "Hi, my order #4411 has not arrived yet"
    ]
    assert not ContactIdentity.objects.filter(wa_id="5511900000000").exists()
    # The status in the same delivery was still handled (kept early: its message is not ours yet).
    assert EarlyStatus.objects.count() == 1


# --- number changes ----------------------------------------------------------------------------


def test_a_changed_number_moves_the_identity_and_the_note_lands_in_its_conversation(channel):
    deliver(load("text"))  # Ana on 16505550123
    contact = Contact.objects.get()

    deliver(load("system_user_changed_number"))

    identity = ContactIdentity.objects.get()
    assert (identity.contact_id, identity.wa_id) == (contact.pk, "16505550999")
    assert Contact.objects.count() == 1
    conversation = Conversation.objects.get()
    assert list(conversation.messages.values_list("kind", flat=True).order_by("sent_at")) == [
        "text",
        "system",
    ]
    # A system note does not refresh the customer's 24-hour window.
    assert conversation.last_inbound_at == at(T0)


def test_a_changed_number_merges_with_a_contact_already_on_the_new_number(channel):
    deliver(load("text"))  # old number
    deliver(text_from("16505550999", "wamid.new-number-1", T0 + 5, "new phone, who dis"))
    old_contact = ContactIdentity.objects.get(wa_id=CUSTOMER_WA_ID).contact
    new_contact = ContactIdentity.objects.get(wa_id="16505550999").contact
    assert old_contact != new_contact

    deliver(load("system_user_changed_number"))

    assert list(ContactIdentity.objects.values_list("wa_id", "contact_id")) == [
        ("16505550999", new_contact.pk)
    ]
    conversations = Conversation.objects.filter(contact=new_contact).order_by("pk")
    assert [c.state for c in conversations] == [
        ConversationState.RESOLVED,
        ConversationState.QUEUED,
    ]
    merged = conversations[0]
    assert events(merged, EventType.CONTACT_MERGED)[0].data == {
        "from_contact": old_contact.pk,
        "to_contact": new_contact.pk,
    }
    assert events(merged, EventType.RESOLVED)[0].data == {"reason": "merged"}
    assert not Conversation.objects.filter(contact=old_contact).exists()


# --- reopening and the 24-hour window ----------------------------------------------------------


def resolve(conversation: Conversation, when: datetime) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        state=ConversationState.RESOLVED, resolved_at=when
    )


def test_a_new_message_soon_after_resolution_reopens_the_conversation(channel):
    deliver(text_from(CUSTOMER_WA_ID, "wamid.r1", T0))
    conversation = Conversation.objects.get()
    resolve(conversation, at(T0 + 3600))

    deliver(text_from(CUSTOMER_WA_ID, "wamid.r2", T0 + 7200, "one more thing"))

    conversation.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert (conversation.state, conversation.resolved_at) == (ConversationState.QUEUED, None)
    assert conversation.last_message_preview == "one more thing"
    assert events(conversation, EventType.REOPENED)[0].at == at(T0 + 7200)


def test_a_message_after_the_reopen_window_opens_a_new_conversation(channel):
    deliver(text_from(CUSTOMER_WA_ID, "wamid.r1", T0))
    first = Conversation.objects.get()
    resolve(first, at(T0 + 60))

    deliver(text_from(CUSTOMER_WA_ID, "wamid.r2", T0 + 60 + 25 * 3600, "back again"))

    first.refresh_from_db()
    assert first.state == ConversationState.RESOLVED
    second = Conversation.objects.exclude(pk=first.pk).get()
    assert second.state == ConversationState.QUEUED
    assert second.opened_at == at(T0 + 60 + 25 * 3600)
    assert list(second.messages.values_list("wamid", flat=True)) == ["wamid.r2"]
    assert events(second, EventType.CONVERSATION_OPENED)
    assert not events(first, EventType.REOPENED)


def test_a_whatsapp_notice_joins_the_last_conversation_without_reopening_it(channel):
    deliver(load("text"))
    conversation = Conversation.objects.get()
    resolve(conversation, at(T0 + 60))

    deliver(load("system_user_changed_number"))

    conversation.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert conversation.state == ConversationState.RESOLVED
    assert list(conversation.messages.values_list("kind", flat=True).order_by("sent_at")) == [
        "text",
        "system",
    ]
    assert not events(conversation, EventType.REOPENED)


def test_a_whatsapp_notice_leaves_a_pending_conversation_waiting_for_the_customer(channel, bob):
    deliver(load("text"))
    Conversation.objects.update(state=ConversationState.PENDING, assignee=bob)

    deliver(load("system_user_changed_number"))

    conversation = Conversation.objects.get()
    assert conversation.state == ConversationState.PENDING
    assert conversation.messages.filter(kind="system").exists()


def test_the_window_follows_metas_timestamps_not_arrival_order(channel):
    deliver(text_from(CUSTOMER_WA_ID, "wamid.late", T0 + 600, "sent last"))
    deliver(text_from(CUSTOMER_WA_ID, "wamid.early", T0, "sent first, arrived last"))

    conversation = Conversation.objects.get()
    assert conversation.last_inbound_at == at(T0 + 600)
    assert conversation.last_message_at == at(T0 + 600)
    assert conversation.last_message_preview == "sent last"
    assert conversation.unread_count == 2
    assert conversation.window_expires_at == at(T0 + 600) + timedelta(hours=24)
    assert conversation.is_within_window(now=at(T0 + 600) + timedelta(hours=23, minutes=59))
    assert not conversation.is_within_window(now=at(T0 + 600) + timedelta(hours=24))
    assert list(Message.objects.order_by("sent_at").values_list("wamid", flat=True)) == [
        "wamid.early",
        "wamid.late",
    ]


def test_a_customer_answer_brings_a_pending_conversation_back(channel, bob):
    contact = ContactFactory(tenant=channel.tenant)
    ContactIdentity.objects.create(
        tenant=channel.tenant, contact=contact, kind="whatsapp", wa_id=CUSTOMER_WA_ID
    )
    conversation = ConversationFactory(
        tenant=channel.tenant, channel=channel, contact=contact, state="pending", assignee=bob
    )

    deliver(load("text"))

    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ASSIGNED
    assert conversation.assignee == bob
    assert Message.objects.get().conversation == conversation
