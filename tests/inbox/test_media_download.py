"""Inbound media is fetched from the URL the operator's Graph API returns, and only from a host
the operator allows (MEDIA_ALLOWED_HOSTS) at an address the outbound guard allows: a URL aimed
at an internal service is refused, nothing is fetched or stored, the agent sees why."""

import pytest

from inbox.models import Direction, Media, MediaState, Message
from inbox.services.media import download_inbound_media
from tests.factories import ConversationFactory
from tests.live_servers import allow_outbound
from tests.remote_server import GRAPH, answer, answer_json, operate_graph_at

MEDIA_ID = "4490709327384033"
PHOTO = b"\xff\xd8\xff photo bytes"


@pytest.fixture
def pending_media(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a)
    message = Message.objects.create(
        tenant=tenant_a,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.INBOUND,
        kind="image",
        wamid="wamid.photo",
    )
    return Media.objects.create(
        tenant=tenant_a, message=message, graph_media_id=MEDIA_ID, mime_type="image/jpeg"
    )


@pytest.fixture
def internal(remote_server):
    """An internal service (think 169.254.169.254) the media URL may be aimed at."""
    return remote_server()


def graph_returning(settings, remote_server, url: str):
    info = {"url": url, "mime_type": "image/jpeg", "sha256": "abc", "file_size": len(PHOTO)}
    graph = remote_server({f"{GRAPH}/{MEDIA_ID}": lambda h: answer_json(h, info)})
    operate_graph_at(settings, graph)
    return graph


def test_media_from_an_allowed_host_is_fetched_with_the_token_and_stored(
    settings, remote_server, pending_media
):
    cdn = remote_server({"/attachments/": lambda h: answer(h, 200, PHOTO)})
    allow_outbound(settings, cdn.url)
    settings.MEDIA_ALLOWED_HOSTS = ["127.0.0.1"]
    graph_returning(settings, remote_server, f"{cdn.url}/attachments/?mid=1")

    download_inbound_media(pending_media.pk)

    pending_media.refresh_from_db()
    assert pending_media.state == MediaState.READY
    assert pending_media.file.read() == PHOTO
    assert cdn.requests[0]["headers"]["Authorization"].startswith("Bearer ")


def test_a_media_url_on_a_host_not_allowed_is_refused_and_nothing_is_stored(
    settings, remote_server, pending_media, internal
):
    allow_outbound(settings, internal.url)  # even where the address guard would let it through
    settings.MEDIA_ALLOWED_HOSTS = ["lookaside.fbsbx.com", "*.fbcdn.net"]
    graph_returning(settings, remote_server, f"{internal.url}/latest/meta-data/")

    download_inbound_media(pending_media.pk)

    pending_media.refresh_from_db()
    assert pending_media.state == MediaState.FAILED and not pending_media.file
    assert "not one the platform fetches media from" in pending_media.error
    assert internal.connections == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_media_url_at_an_internal_address_is_refused_and_nothing_is_stored(
    settings, remote_server, pending_media, internal, host
):
    settings.MEDIA_ALLOWED_HOSTS = [host]  # even where the host list would let it through
    graph_returning(settings, remote_server, f"http://{host}:{internal.port}/latest/meta-data/")

    download_inbound_media(pending_media.pk)

    pending_media.refresh_from_db()
    assert pending_media.state == MediaState.FAILED and not pending_media.file
    assert "operator must allow it" in pending_media.error
    assert internal.connections == 0


def test_a_media_url_that_is_not_http_is_refused(settings, remote_server, pending_media):
    settings.MEDIA_ALLOWED_HOSTS = ["127.0.0.1"]
    graph_returning(settings, remote_server, "file://127.0.0.1/etc/passwd")

    download_inbound_media(pending_media.pk)

    pending_media.refresh_from_db()
    assert pending_media.state == MediaState.FAILED and not pending_media.file
