"""Where the Graph API lives is the operator's setting, never tenant data: the SSRF reproduced
in issue 16 (an admin or a config:write token pointed a channel's Graph base at an internal
service, and a signed webhook then made the worker fetch it and serve it as customer media)."""

import pytest
from django.urls import reverse

from inbox.models import Direction, Media, MediaState, Message
from inbox.services.media import download_inbound_media
from tests.accounts.test_admin_and_api import bearer, make_token
from tests.factories import ChannelFactory, ConversationFactory
from tests.inbox.test_channel_admin import FORM
from tests.live_servers import allow_outbound
from tests.remote_server import GRAPH, answer, answer_json, operate_graph_at

MEDIA_ID = "1003383421387256"


@pytest.fixture
def operators_graph(settings, remote_server):
    cdn = remote_server({"/file": lambda h: answer(h, 200, b"customer photo")})
    graph = remote_server(
        {f"{GRAPH}/{MEDIA_ID}": lambda h: answer_json(h, {"url": f"{cdn.url}/file"})}
    )
    operate_graph_at(settings, graph)
    allow_outbound(settings, cdn.url)
    settings.MEDIA_ALLOWED_HOSTS = ["127.0.0.1"]
    return graph


@pytest.fixture
def internal(settings, remote_server):
    """An internal service, reachable (allowed) so only the setting can keep requests off it."""
    server = remote_server()
    allow_outbound(settings, server.url)
    return server


def fetch_media(channel) -> Media:
    conversation = ConversationFactory(tenant=channel.tenant, channel=channel)
    message = Message.objects.create(
        tenant=channel.tenant,
        conversation=conversation,
        channel=channel,
        direction=Direction.INBOUND,
        kind="image",
        wamid="wamid.ssrf",
    )
    media = Media.objects.create(tenant=channel.tenant, message=message, graph_media_id=MEDIA_ID)
    download_inbound_media(media.pk)
    media.refresh_from_db()
    return media


def test_a_config_token_cannot_point_a_channel_at_another_graph_api(
    alice_client, tenant_a, operators_graph, internal
):
    channel = ChannelFactory(tenant=tenant_a)
    token = make_token(alice_client, scopes=["config:write"])

    response = bearer(token).patch(
        reverse("api-channel", args=[channel.pk]),
        {"graph_api_base": f"{internal.url}/", "graph_api_version": "latest"},
        content_type="application/json",
    )

    assert response.status_code in (200, 400) and "graph_api_base" not in response.json()
    media = fetch_media(channel)
    assert media.state == MediaState.READY and media.file.read() == b"customer photo"
    assert operators_graph.paths() == [f"{GRAPH}/{MEDIA_ID}"]
    assert internal.requests == []


def test_an_admin_cannot_point_a_channel_at_another_graph_api(
    alice_client, tenant_a, operators_graph, internal
):
    channel = ChannelFactory(tenant=tenant_a)
    data = {**FORM, "phone_number_id": channel.phone_number_id, "graph_api_base": internal.url}

    alice_client.post(reverse("inbox-channel-edit", args=[channel.pk]), data)

    media = fetch_media(channel)
    assert media.state == MediaState.READY
    assert operators_graph.paths() == [f"{GRAPH}/{MEDIA_ID}"]
    assert internal.requests == []
    page = alice_client.get(reverse("inbox-channel-edit", args=[channel.pk])).content.decode()
    assert "graph_api_base" not in page
