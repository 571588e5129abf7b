"""The Cloud API `messages` webhook parser against every example of the reference (§2, §3)."""

from datetime import UTC, datetime

import pytest

from inbox.channels.whatsapp.parser import (
    InboundMessage,
    NumberChange,
    named_phone_number_ids,
    parse_webhook,
    preview_text,
)

from .fixtures import (
    CUSTOMER_WA_ID,
    INBOUND,
    OTHER_PHONE_NUMBER_ID,
    PHONE_NUMBER_ID,
    STATUSES,
    load,
    value_of,
)

WAMID = "wamid.HBgLMTY1MDU1NTAxMjMVAgASGBQzRUIwQTFCMkMzRDRFNUY2QTdC{}AA="
OUR_WAMID = "wamid.HBgLMTY1MDU1NTAxMjMVAgARGBI5QTNDMEQ4RkY3QTJCRTkx{}AA="


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def only_message(name: str) -> InboundMessage:
    batch = parse_webhook(load(name))
    assert batch.problems == []
    assert batch.statuses == []
    assert len(batch.messages) == 1
    return batch.messages[0]


# name: (kind, text, preview)
EXPECTED = {
    "text": (
        "text",
        "Hi, my order #4411 has not arrived yet",
        "Hi, my order #4411 has not arrived yet",
    ),
    "image": ("image", "Damaged box", "📷 Photo: Damaged box"),
    "audio_voice": ("audio", "", "🎤 Voice message"),
    "audio_file": ("audio", "", "🎵 Audio"),
    "video": ("video", "Unboxing", "🎬 Video: Unboxing"),
    "document": ("document", "Invoice", "📄 Document: Invoice"),
    "sticker": ("sticker", "", "Sticker"),
    "location": (
        "location",
        "Loja Paulista, Av. Paulista, 1000, São Paulo",
        "📍 Location: Loja Paulista, Av. Paulista, 1000, São Paulo",
    ),
    "contacts": ("contacts", "", "👤 Carlos Lima"),
    "interactive_button_reply": ("interactive", "Confirm", "Confirm"),
    "interactive_list_reply": ("interactive", "Billing", "Billing"),
    "interactive_nfm_reply": ("interactive", "Sent", "📝 Form completed"),
    "button": ("button", "Stop updates", "Stop updates"),
    "reaction_removed_empty_emoji": ("reaction", "", "Removed a reaction"),
    "order": ("order", "Gift wrap please", "🛒 Order (3 items): Gift wrap please"),
    "system_user_changed_number": (
        "system",
        "User Ana Souza changed from 16505550123 to 16505550999",
        "User Ana Souza changed from 16505550123 to 16505550999",
    ),
    "unsupported": ("unsupported", "", "Message type not supported by WhatsApp (poll)"),
    "reply_context": ("text", "Yes, this one", "Yes, this one"),
    "forwarded": ("text", "Forwarded once: see this", "Forwarded once: see this"),
    "frequently_forwarded": (
        "text",
        "Forwarded many times: promo!",
        "Forwarded many times: promo!",
    ),
    "referred_product": ("text", "Is this available in blue?", "Is this available in blue?"),
    "ctwa_referral": ("text", "Can I get more info about this?", "Can I get more info about this?"),
    "bsuid_contact": ("text", "hello", "hello"),
    "bsuid_only_sender": ("text", "oi, sou a Bea", "oi, sou a Bea"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_inbound_example_parses_to_kind_text_and_preview(name):
    message = only_message(name)
    kind, text, preview = EXPECTED[name]

    assert (message.kind, message.text, preview_text(message)) == (kind, text, preview)
    assert message.phone_number_id == PHONE_NUMBER_ID
    item = value_of(load(name))["messages"][0]
    assert message.wamid == item["id"]
    assert message.timestamp == at(int(item["timestamp"]))
    assert message.timestamp.tzinfo is UTC
    assert message.raw == item


def test_every_inbound_fixture_is_covered():
    assert set(INBOUND) == set(EXPECTED) | {"reaction"}


@pytest.mark.parametrize("name", [n for n in INBOUND if not n.startswith("bsuid")])
def test_phone_era_senders_carry_wa_id_and_profile_name(name):
    message = parse_webhook(load(name)).messages[0]

    assert message.wa_id in (CUSTOMER_WA_ID, "16505550999")
    assert message.user_id == ""
    assert message.username == ""
    expected_name = "" if name == "system_user_changed_number" else "Ana Souza"
    assert message.profile_name == expected_name


def test_text_message_has_no_media_context_or_referral():
    message = only_message("text")

    assert message.media is None
    assert message.reply_to_wamid == ""
    assert (message.forwarded, message.frequently_forwarded) == (False, False)
    assert message.referral is None and message.referred_product is None
    assert message.wa_id == CUSTOMER_WA_ID
    assert message.timestamp == datetime(2025, 6, 15, 15, 6, 41, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "media_id", "mime", "caption", "filename", "voice"),
    [
        ("image", "1003383421387256", "image/jpeg", "Damaged box", "", False),
        ("audio_voice", "1908647269898587", "audio/ogg; codecs=opus", "", "", True),
        ("audio_file", "1908647269898599", "audio/mpeg", "", "", False),
        ("video", "731675419373506", "video/mp4", "Unboxing", "", False),
        ("document", "622684793477189", "application/pdf", "Invoice", "invoice-4411.pdf", False),
        ("sticker", "1255938252375563", "image/webp", "", "", False),
    ],
)
def test_media_messages_carry_the_media_reference(name, media_id, mime, caption, filename, voice):
    media = only_message(name).media

    assert media is not None
    assert (media.id, media.mime_type, media.caption, media.filename, media.voice) == (
        media_id,
        mime,
        caption,
        filename,
        voice,
    )
    assert media.sha256 == value_of(load(name))["messages"][0][name.split("_")[0]]["sha256"]


def test_sticker_is_not_animated():
    assert only_message("sticker").media.animated is False


@pytest.mark.parametrize(
    ("name", "reply_id", "context"),
    [
        ("interactive_button_reply", "confirm_delivery", "01"),
        ("interactive_list_reply", "dept_billing", "02"),
        ("interactive_nfm_reply", "", "03"),
        ("button", "ORDER_4411_STOP_UPDATES", "04"),
    ],
)
def test_replies_to_our_messages_name_the_tap_and_the_quoted_message(name, reply_id, context):
    message = only_message(name)

    assert message.reply_id == reply_id
    assert message.reply_to_wamid == OUR_WAMID.format(context)


def test_a_completed_flow_carries_its_parsed_response():
    message = only_message("interactive_nfm_reply")

    assert message.flow_response == {
        "flow_token": "csat-ticket-8812",
        "rating": "5",
        "comment": "Great support",
    }
    assert only_message("interactive_button_reply").flow_response is None


def test_a_reaction_and_its_removal_point_at_the_reacted_message():
    batch = parse_webhook(load("reaction"))
    reacted, removed = batch.messages

    assert batch.problems == []
    assert (reacted.kind, reacted.text, preview_text(reacted)) == ("reaction", "👍", "Reacted 👍")
    assert (removed.kind, removed.text, preview_text(removed)) == (
        "reaction",
        "",
        "Removed a reaction",
    )
    assert reacted.reply_to_wamid == removed.reply_to_wamid == OUR_WAMID.format("05")
    assert removed.timestamp == at(1750000020)
    assert only_message("reaction_removed_empty_emoji").reply_to_wamid == OUR_WAMID.format("05")


def test_a_user_changed_number_is_a_number_change_from_the_old_to_the_new_wa_id():
    batch = parse_webhook(load("system_user_changed_number"))

    assert batch.problems == []
    assert batch.number_changes == [
        NumberChange(PHONE_NUMBER_ID, old_wa_id="16505550123", new_wa_id="16505550999")
    ]
    (message,) = batch.messages
    assert message.kind == "system"
    assert message.wa_id == "16505550999"  # the note belongs to the contact's new number


def test_other_system_messages_are_no_number_change():
    payload = load("system_user_changed_number")
    system = value_of(payload)["messages"][0]["system"]
    system["type"] = "customer_identity_changed"

    batch = parse_webhook(payload)

    assert batch.number_changes == []
    assert batch.messages[0].wa_id == "16505550123"


def test_unsupported_carries_its_error():
    message = only_message("unsupported")

    assert message.errors == [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ]


def test_value_level_errors_are_kept_without_messages():
    batch = parse_webhook(load("value_errors"))

    assert batch.messages == [] and batch.statuses == [] and batch.problems == []
    assert [e["code"] for e in batch.errors] == [130429]


def test_reply_context_names_the_quoted_message():
    assert only_message("reply_context").reply_to_wamid == OUR_WAMID.format("06")


def test_forwarded_and_frequently_forwarded_are_told_apart():
    once, many = only_message("forwarded"), only_message("frequently_forwarded")

    assert (once.forwarded, once.frequently_forwarded) == (True, False)
    assert (many.forwarded, many.frequently_forwarded) == (False, True)
    assert once.reply_to_wamid == many.reply_to_wamid == ""


def test_referred_product_is_kept_with_its_quoted_message():
    message = only_message("referred_product")

    assert message.referred_product == {
        "catalog_id": "194836987003835",
        "product_retailer_id": "SKU-RED-M",
    }
    assert message.reply_to_wamid == OUR_WAMID.format("07")


def test_click_to_whatsapp_referral_is_kept():
    referral = only_message("ctwa_referral").referral

    assert referral["source_id"] == "120226305854810726"
    assert referral["source_type"] == "ad"
    assert referral["ctwa_clid"].startswith("ARAkLkA8")
    assert referral["welcome_message"] == {"text": "Hi! How can we help?"}


def test_bsuid_contact_carries_wa_id_user_id_and_username():
    message = only_message("bsuid_contact")

    assert (message.wa_id, message.user_id) == (CUSTOMER_WA_ID, "US.13491208655302741918")
    assert (message.profile_name, message.username) == ("Ana Souza", "@ana.souza")
    assert message.timestamp == at(1775000000)


def test_username_only_sender_without_from_is_keyed_on_the_user_id():
    message = only_message("bsuid_only_sender")

    assert message.wa_id == ""
    assert message.user_id == "BR.20000000000000000042"
    assert (message.profile_name, message.username) == ("Bea Lima", "@bea.lima")


def test_username_only_sender_named_only_by_the_contact_is_still_keyed():
    payload = load("bsuid_only_sender")
    del value_of(payload)["messages"][0]["from_user_id"]

    message = only_message_of(payload)

    assert message.user_id == "BR.20000000000000000042"


def only_message_of(payload: dict) -> InboundMessage:
    batch = parse_webhook(payload)
    assert batch.problems == []
    (message,) = batch.messages
    return message


def test_a_contact_of_another_sender_does_not_lend_its_name():
    payload = load("text")
    value_of(payload)["contacts"] = [{"profile": {"name": "Bruno"}, "wa_id": "5511988887777"}]

    message = only_message_of(payload)

    assert message.wa_id == CUSTOMER_WA_ID
    assert message.profile_name == ""


# --- statuses --------------------------------------------------------------------------------

# name: (wamid suffix, status, timestamp, error code)
STATUS_EXPECTED = {
    "status_sent_v23": ("10", "sent", 1750030073, None),
    "status_sent": ("10", "sent", 1750030073, None),
    "status_delivered": ("11", "delivered", 1750030080, None),
    "status_delivered_callback_data": ("12", "delivered", 1750030090, None),
    "status_read": ("10", "read", 1750030200, None),
    "status_played": ("13", "played", 1750030300, None),
    "status_failed_131047": ("14", "failed", 1750030400, 131047),
    "status_failed_131049": ("15", "failed", 1751142888, 131049),
    "status_failed_131053": ("16", "failed", 1750030500, 131053),
    "status_sent_free_entry_point": ("17", "sent", 1750030600, None),
    "status_delivered_bsuid": ("18", "delivered", 1775000100, None),
}


def test_every_status_fixture_is_covered():
    assert set(STATUSES) == set(STATUS_EXPECTED)


@pytest.mark.parametrize("name", sorted(STATUS_EXPECTED))
def test_every_status_example_parses(name):
    batch = parse_webhook(load(name))
    suffix, status, seconds, code = STATUS_EXPECTED[name]

    assert batch.problems == [] and batch.messages == []
    (update,) = batch.statuses
    assert update.phone_number_id == PHONE_NUMBER_ID
    assert (update.wamid, update.status, update.timestamp) == (
        OUR_WAMID.format(suffix),
        status,
        at(seconds),
    )
    assert update.recipient_id == CUSTOMER_WA_ID
    assert [e["code"] for e in update.errors] == ([code] if code else [])


def test_failed_status_keeps_the_error_details():
    (update,) = parse_webhook(load("status_failed_131047")).statuses

    assert update.errors[0]["error_data"]["details"].startswith(
        "Message failed to send because more than 24 hours"
    )


def test_bsuid_status_carries_the_recipient_user_id():
    (update,) = parse_webhook(load("status_delivered_bsuid")).statuses

    assert update.recipient_user_id == "US.13491208655302741918"
    assert parse_webhook(load("status_delivered")).statuses[0].recipient_user_id == ""


def test_callback_data_is_kept_in_the_raw_status():
    (update,) = parse_webhook(load("status_delivered_callback_data")).statuses

    assert update.raw["biz_opaque_callback_data"] == "ticket=8812;agent=42"


# --- batches and bad items -------------------------------------------------------------------


def test_a_batch_reads_every_entry_change_message_and_status():
    payload = load("batch")

    batch = parse_webhook(payload)

    assert batch.problems == []
    assert [(m.phone_number_id, m.wa_id, m.kind) for m in batch.messages] == [
        (PHONE_NUMBER_ID, CUSTOMER_WA_ID, "text"),
        (PHONE_NUMBER_ID, "5511988887777", "text"),
        (OTHER_PHONE_NUMBER_ID, CUSTOMER_WA_ID, "image"),
    ]
    assert [m.profile_name for m in batch.messages] == ["Ana Souza", "Bruno Reis", "Ana Souza"]
    assert [(s.status, s.wamid) for s in batch.statuses] == [("delivered", OUR_WAMID.format("11"))]
    assert named_phone_number_ids(payload) == {PHONE_NUMBER_ID, OTHER_PHONE_NUMBER_ID}


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda m: m.pop("id"), "message without id"),
        (lambda m: m.update(id=""), "message without id"),
        (lambda m: m.pop("type"), "message without type"),
        (lambda m: m.update(timestamp="yesterday"), "bad timestamp"),
        (lambda m: m.update(timestamp=None), "bad timestamp"),
        (lambda m: m.update(timestamp="0"), "bad timestamp"),
        (lambda m: m.update(timestamp="99999999999999999999"), "bad timestamp"),
        (lambda m: m.pop("from"), "without sender"),
    ],
)
def test_a_bad_message_is_a_problem_and_the_rest_of_the_batch_parses(break_it, reason):
    payload = load("batch")
    bad = value_of(payload)["messages"][1]
    break_it(bad)

    batch = parse_webhook(payload)

    (problem,) = batch.problems
    assert problem.path == "entry[0].changes[0].messages[1]"
    assert reason in problem.reason
    assert problem.item is bad
    assert [m.kind for m in batch.messages] == ["text", "image"]
    assert len(batch.statuses) == 1


def test_media_without_id_is_a_problem():
    payload = load("image")
    del value_of(payload)["messages"][0]["image"]["id"]

    batch = parse_webhook(payload)

    assert batch.messages == []
    assert "without media id" in batch.problems[0].reason


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda s: s.update(status="deleted"), "unknown status"),
        (lambda s: s.pop("id"), "status without id"),
        (lambda s: s.update(timestamp="soon"), "bad timestamp"),
    ],
)
def test_a_bad_status_is_a_problem_and_the_messages_still_parse(break_it, reason):
    payload = load("batch")
    break_it(value_of(payload, change=1)["statuses"][0])

    batch = parse_webhook(payload)

    (problem,) = batch.problems
    assert problem.path == "entry[0].changes[1].statuses[0]"
    assert reason in problem.reason
    assert batch.statuses == []
    assert len(batch.messages) == 3


def test_junk_envelopes_are_problems_not_crashes():
    assert parse_webhook([]).problems[0].reason.startswith("not a webhook envelope")
    assert parse_webhook({"entry": [{"id": "1"}]}).problems[0].reason == "entry without changes"
    no_number = load("text")
    del value_of(no_number)["metadata"]["phone_number_id"]
    assert "without phone_number_id" in parse_webhook(no_number).problems[0].reason
    assert named_phone_number_ids({"entry": "junk"}) == set()
    assert named_phone_number_ids("junk") == set()


def test_a_template_status_update_is_read_and_other_account_fields_are_left_out():
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "109876543210123",
                "time": 1739321024,
                "changes": [
                    {
                        "field": "message_template_status_update",
                        "value": {
                            "event": "REJECTED",
                            "message_template_id": 1689556908129832,
                            "message_template_name": "order_update",
                            "message_template_language": "pt_BR",
                            "reason": "INCORRECT_CATEGORY",
                        },
                    },
                    {
                        "field": "message_template_status_update",
                        "value": {"event": "APPROVED", "reason": "NONE"},
                    },
                    {"field": "phone_number_quality_update", "value": {"event": "FLAGGED"}},
                ],
            }
        ],
    }

    batch = parse_webhook(payload)

    rejected, approved = batch.template_status_changes
    assert (rejected.waba_id, rejected.name, rejected.language) == (
        "109876543210123",
        "order_update",
        "pt_BR",
    )
    assert (rejected.status, rejected.reason) == ("REJECTED", "INCORRECT_CATEGORY")
    assert rejected.raw == payload["entry"][0]["changes"][0]["value"]
    # Meta's "NONE" is no reason.
    assert (approved.status, approved.reason, approved.name) == ("APPROVED", "", "")
    assert batch.messages == [] and batch.problems == []
