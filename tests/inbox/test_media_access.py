"""Stored media is served only to people who may see its conversation, safely."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from inbox.models import Direction, Media, MediaState, Message
from tests.conftest import signed_in_client
from tests.factories import ConversationFactory, MembershipFactory, UserFactory


def stored_media(conversation, *, mime: str, filename: str, content: bytes) -> Media:
    message = Message.objects.create(
        tenant=conversation.tenant,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.INBOUND,
        kind="document",
        wamid=f"wamid.{filename}",
    )
    media = Media(
        tenant=conversation.tenant,
        message=message,
        mime_type=mime,
        filename=filename,
        state=MediaState.READY,
    )
    media.file.save(filename, ContentFile(content), save=False)
    media.save()
    return media


@pytest.fixture
def assigned_to_bob(tenant_a, bob):
    return ConversationFactory(tenant=tenant_a, assignee=bob, state="assigned")


def test_the_assigned_agent_gets_an_image_inline_with_nosniff(bob_client, assigned_to_bob):
    media = stored_media(assigned_to_bob, mime="image/png", filename="photo.png", content=b"png")

    response = bob_client.get(reverse("inbox-media", args=[media.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"png"
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.get("Content-Disposition", "")


def test_active_content_is_forced_to_download(bob_client, assigned_to_bob):
    media = stored_media(
        assigned_to_bob, mime="text/html", filename="<script>x.html", content=b"<script>1</script>"
    )

    response = bob_client.get(reverse("inbox-media", args=[media.pk]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_another_agents_conversation_media_is_not_found(tenant_a, assigned_to_bob):
    other = UserFactory(email="dora@a.test")
    MembershipFactory(tenant=tenant_a, user=other)
    media = stored_media(assigned_to_bob, mime="image/png", filename="p.png", content=b"png")

    response = signed_in_client(other).get(reverse("inbox-media", args=[media.pk]))

    assert response.status_code == 404


def test_another_tenants_media_is_not_found_even_for_its_admin_peer(
    charlie_client, assigned_to_bob
):
    media = stored_media(assigned_to_bob, mime="image/png", filename="p.png", content=b"png")

    assert charlie_client.get(reverse("inbox-media", args=[media.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, assigned_to_bob):
    media = stored_media(assigned_to_bob, mime="image/png", filename="p.png", content=b"png")

    response = client.get(reverse("inbox-media", args=[media.pk]))

    assert response.status_code == 302 and "/accounts/login" in response["Location"]
