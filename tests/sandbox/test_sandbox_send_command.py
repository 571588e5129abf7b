"""manage.py sandbox_send: a customer writes in from the command line."""

import json

import pytest
from django.core.management import CommandError, call_command

from inbox.sandbox.models import SandboxMessage

from .conftest import CUSTOMER, PHONE_NUMBER_ID, is_signed


def test_text_is_delivered_signed(number, receiver, capsys):
    call_command(
        "sandbox_send",
        "--number",
        PHONE_NUMBER_ID,
        "--from",
        CUSTOMER,
        "--name",
        "Ana",
        "--text",
        "hello",
    )
    assert "Delivered text wamid." in capsys.readouterr().out
    (request,) = receiver.requests
    assert is_signed(request)
    message = json.loads(request["raw"])["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["text"] == {"body": "hello"}
    assert SandboxMessage.objects.filter(direction="in", wamid=message["id"]).exists()


def test_other_kinds_from_options(number, receiver, tmp_path):
    photo = tmp_path / "box.png"
    photo.write_bytes(b"\x89PNG box")
    call_command(
        "sandbox_send",
        "--number",
        PHONE_NUMBER_ID,
        "--from",
        CUSTOMER,
        "--kind",
        "image",
        "--file",
        str(photo),
        "--text",
        "Damaged",
    )
    call_command(
        "sandbox_send",
        "--number",
        PHONE_NUMBER_ID,
        "--from",
        CUSTOMER,
        "--kind",
        "location",
        "--latitude",
        "-23.5",
        "--longitude",
        "-46.6",
        "--place",
        "Loja",
    )
    call_command(
        "sandbox_send",
        "--number",
        PHONE_NUMBER_ID,
        "--from",
        CUSTOMER,
        "--kind",
        "reaction",
        "--message-id",
        "wamid.X",
        "--emoji",
        "❤",
    )
    messages = [
        json.loads(r["raw"])["entry"][0]["changes"][0]["value"]["messages"][0]
        for r in receiver.requests
    ]
    assert [m["type"] for m in messages] == ["image", "location", "reaction"]
    assert messages[0]["image"]["caption"] == "Damaged"
    assert messages[0]["image"]["mime_type"] == "image/png"
    assert messages[1]["location"]["name"] == "Loja"
    assert messages[2]["reaction"] == {"message_id": "wamid.X", "emoji": "❤"}


def test_unknown_number_and_refused_delivery_fail_loudly(number, receiver):
    with pytest.raises(CommandError, match="No sandbox number"):
        call_command("sandbox_send", "--number", "0", "--from", CUSTOMER, "--text", "x")
    receiver.answers[:] = [403]
    with pytest.raises(CommandError, match="not accepted \\(403\\)"):
        call_command("sandbox_send", "--number", PHONE_NUMBER_ID, "--from", CUSTOMER, "--text", "x")
