"""`X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the app secret (reference §1.2)."""

import json

from inbox.channels.whatsapp.signature import is_valid_signature, sign

# The reference's test vector, byte for byte (non-ASCII escaped as Meta sends it).
SECRET = "test_app_secret"
BODY = (
    rb'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
    rb'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
    rb'"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Jos\u00e9"},'
    rb'"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.TEST1",'
    rb'"timestamp":"1750000000","type":"text","text":{"body":"Ol\u00e1"}}]},'
    rb'"field":"messages"}]}]}'
)
HEADER = "sha256=ff9712eb4da8809a53268dff46453d9026af7008c9164b7cafece9a6ba51a67f"


def test_the_reference_vector_signs_and_verifies():
    assert len(BODY) == 422
    assert sign(BODY, SECRET) == HEADER
    assert is_valid_signature(BODY, HEADER, [SECRET])


def test_the_vector_body_is_what_meta_serializes():
    payload = json.loads(BODY)

    assert payload["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] == "José"
    assert json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode() == BODY


def test_missing_or_empty_header_is_refused():
    assert not is_valid_signature(BODY, None, [SECRET])
    assert not is_valid_signature(BODY, "", [SECRET])


def test_a_wrong_signature_is_refused():
    wrong = HEADER[:-1] + ("0" if HEADER[-1] != "0" else "1")

    assert not is_valid_signature(BODY, wrong, [SECRET])
    assert not is_valid_signature(BODY, HEADER.removeprefix("sha256="), [SECRET])
    assert not is_valid_signature(BODY, "sha1=" + HEADER.removeprefix("sha256="), [SECRET])
    assert not is_valid_signature(BODY, "sha256=", [SECRET])


def test_the_same_json_with_other_bytes_is_refused():
    reserialized = json.dumps(json.loads(BODY), ensure_ascii=False).encode()

    assert json.loads(reserialized) == json.loads(BODY)
    assert not is_valid_signature(reserialized, HEADER, [SECRET])
    assert not is_valid_signature(BODY + b"\n", HEADER, [SECRET])


def test_a_body_signed_by_another_apps_secret_is_refused():
    other = sign(BODY, "another_app_secret")

    assert not is_valid_signature(BODY, other, [SECRET])
    assert is_valid_signature(BODY, other, [SECRET, "another_app_secret"])


def test_no_configured_secret_fails_closed():
    assert not is_valid_signature(BODY, HEADER, [])
    assert not is_valid_signature(BODY, HEADER, [""])
    assert not is_valid_signature(BODY, sign(BODY, ""), [""])


def test_a_non_ascii_header_is_a_mismatch_not_a_crash():
    assert not is_valid_signature(BODY, "sha256=ff97é12", [SECRET])
    assert not is_valid_signature(BODY, "sha256=" + "\udcff" * 64, [SECRET])
    assert not is_valid_signature(BODY, "sha256=ÿ" * 10, [SECRET])


def test_whitespace_and_uppercase_hex_are_tolerated():
    assert is_valid_signature(BODY, f"  {HEADER}\r\n", [SECRET])
    assert is_valid_signature(BODY, "sha256=" + HEADER.removeprefix("sha256=").upper(), [SECRET])
