"""Outbound content obeys the Cloud API's limits before anything is queued."""

import pytest

from inbox.channels.whatsapp import outbound
from inbox.channels.whatsapp.errors import GraphError


def test_text_over_4096_characters_is_refused_with_the_limit():
    with pytest.raises(outbound.ContentError, match="4096"):
        outbound.text_content("x" * 4097)


def test_blank_text_is_refused():
    with pytest.raises(outbound.ContentError):
        outbound.text_content("   ")


def test_more_than_three_reply_buttons_is_refused():
    with pytest.raises(outbound.ContentError):
        outbound.buttons_content("Pick", [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")])


def test_button_title_over_20_characters_is_refused():
    with pytest.raises(outbound.ContentError):
        outbound.buttons_content("Pick", [("a", "x" * 21)])


def test_send_body_uses_the_phone_number_with_plus_and_reply_context():
    body = outbound.send_body(
        outbound.text_content("hola"), wa_id="5491100000001", user_id=None, reply_to_wamid="wamid.X"
    )
    assert body["to"] == "+5491100000001"
    assert body["type"] == "text" and body["text"]["body"] == "hola"
    assert body["context"] == {"message_id": "wamid.X"}


def test_send_body_falls_back_to_the_business_scoped_user_id():
    body = outbound.send_body(outbound.text_content("hi"), wa_id=None, user_id="US.1234")
    assert body["recipient"] == "US.1234" and "to" not in body


def test_send_body_without_any_recipient_is_a_permanent_error():
    with pytest.raises(GraphError) as info:
        outbound.send_body(outbound.text_content("hi"), wa_id=None, user_id=None)
    assert not info.value.is_retryable


def test_template_content_carries_body_parameters_in_order():
    content = outbound.template_content("order_update", "pt_BR", ["Ana", "#123"])
    params = content["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == ["Ana", "#123"]
    assert content["template"]["language"]["code"] == "pt_BR"


def test_list_with_more_than_ten_rows_in_all_is_refused():
    sections = [
        ("A", [(f"a{i}", f"Row {i}") for i in range(6)]),
        ("B", [("b", "B"), *[(f"b{i}", f"Row {i}") for i in range(5)]]),
    ]
    with pytest.raises(outbound.ContentError, match="10 rows"):
        outbound.list_content("Which team?", "Teams", sections)


def test_list_menu_has_the_cloud_api_shape():
    content = outbound.list_content("Which team?", "Teams", [("Account", [("billing", "Billing")])])

    action = content["interactive"]["action"]
    assert content["interactive"]["type"] == "list"
    assert action == {
        "button": "Teams",
        "sections": [{"title": "Account", "rows": [{"id": "billing", "title": "Billing"}]}],
    }


def test_cta_url_needs_https_and_a_short_label():
    with pytest.raises(outbound.ContentError, match="https"):
        outbound.cta_url_content("Pay", "Open", "http://pay.example.com")
    with pytest.raises(outbound.ContentError, match="20"):
        outbound.cta_url_content("Pay", "x" * 21, "https://pay.example.com")
    content = outbound.cta_url_content("Pay", "Open", "https://pay.example.com/i/1")
    assert content["interactive"]["action"]["parameters"]["url"] == "https://pay.example.com/i/1"
