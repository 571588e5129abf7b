"""The Graph API client over the outbound transport, against a local server playing Meta:
paging is capped, and a failure says whether Meta may have the request."""

from urllib.parse import parse_qs, urlsplit

import pytest

from inbox.channels.whatsapp.client import MAX_TEMPLATE_PAGES, GraphClient
from inbox.channels.whatsapp.errors import GraphError
from inbox.channels.whatsapp.message_templates import TemplateInfo
from tests.factories import ChannelFactory
from tests.remote_server import GRAPH, answer_json, operate_graph_at

WABA_ID = "102290129340398"
NUMBER = "106540352242922"
TEMPLATES = f"{GRAPH}/{WABA_ID}/message_templates"


def cursor(handler) -> int:
    return int(parse_qs(urlsplit(handler.path).query).get("after", ["0"])[0])


def pages(*, last: int, per_page: int = 1, repeat_cursor: bool = False):
    """Graph's cursor paging: page n lists `per_page` templates and points at page n + 1."""

    def route(handler):
        n = cursor(handler)
        data = [{"name": f"t{n}_{i}", "language": "en"} for i in range(per_page)]
        paging = {"cursors": {"after": "1" if repeat_cursor else str(n + 1)}, "next": "more"}
        answer_json(handler, {"data": data, **({"paging": paging} if n < last else {})})

    return route


@pytest.fixture
def channel(tenant_a):
    return ChannelFactory(tenant=tenant_a)


# Each client is made after the test set the operator's Graph API (read when it is made).
def list_templates(channel) -> list[TemplateInfo]:
    with GraphClient.for_channel(channel) as client:
        return client.list_templates(WABA_ID)


def send_text(channel) -> None:
    with GraphClient.for_channel(channel) as client:
        client.send_message(NUMBER, {"to": "5511999990000", "type": "text"})


def test_templates_are_listed_across_pages(settings, remote_server, channel):
    graph = remote_server({TEMPLATES: pages(last=2)})
    operate_graph_at(settings, graph)

    assert [t.name for t in list_templates(channel)] == ["t0_0", "t1_0", "t2_0"]


def test_paging_stops_at_the_page_cap_with_an_error_not_a_partial_list(
    settings, remote_server, channel
):
    graph = remote_server({TEMPLATES: pages(last=MAX_TEMPLATE_PAGES + 50)})
    operate_graph_at(settings, graph)

    with pytest.raises(GraphError, match="Template list too long"):
        list_templates(channel)
    assert len(graph.requests) == MAX_TEMPLATE_PAGES


def test_paging_stops_at_the_template_cap(settings, remote_server, channel):
    graph = remote_server({TEMPLATES: pages(last=20, per_page=1000)})
    operate_graph_at(settings, graph)

    with pytest.raises(GraphError, match="Template list too long"):
        list_templates(channel)
    assert len(graph.requests) == 7  # 7,000 templates: more than a WABA can hold


def test_a_cursor_seen_before_stops_the_paging(settings, remote_server, channel):
    graph = remote_server({TEMPLATES: pages(last=30, repeat_cursor=True)})
    operate_graph_at(settings, graph)

    with pytest.raises(GraphError):
        list_templates(channel)
    assert len(graph.requests) == 2


def test_an_unreachable_graph_certainly_did_not_get_the_send(channel):
    # The tests' Graph API (tests/conftest.py) refuses connections.
    with pytest.raises(GraphError) as error:
        send_text(channel)

    assert not error.value.is_outcome_unknown and error.value.is_retryable


def test_a_send_dropped_after_the_write_is_an_unknown_outcome(settings, remote_server, channel):
    def hang_up(handler):
        handler.close_connection = True

    graph = remote_server({f"{GRAPH}/{NUMBER}/messages": hang_up})
    operate_graph_at(settings, graph)

    with pytest.raises(GraphError) as error:
        send_text(channel)

    assert error.value.is_outcome_unknown
    assert len(graph.requests) == 1  # Meta may have it: not one to resend blindly


def test_a_graph_api_the_guard_refuses_is_not_retried(settings, channel):
    settings.OUTBOUND_ALLOWED_ENDPOINTS = []

    with GraphClient.for_channel(channel) as client, pytest.raises(GraphError) as error:
        client.mark_read(NUMBER, "wamid.x")

    assert error.value.is_destination_refused and not error.value.is_retryable
    assert not error.value.is_outcome_unknown
