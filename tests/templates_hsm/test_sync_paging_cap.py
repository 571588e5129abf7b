"""A Graph API that pages without end is refused, and our copy of the templates is kept (the
sync drops what Meta no longer lists, so a partial list would delete approved templates)."""

import pytest

from inbox.channels.whatsapp.client import MAX_TEMPLATE_PAGES
from inbox.channels.whatsapp.errors import GraphError
from templates_hsm.models import Template
from templates_hsm.services import sync_templates
from tests.factories import ChannelFactory
from tests.inbox.test_graph_client import pages
from tests.remote_server import GRAPH, operate_graph_at


def test_endless_paging_keeps_the_templates_we_have(settings, remote_server, tenant_a):
    channel = ChannelFactory(tenant=tenant_a)
    kept = Template.objects.create(
        tenant=tenant_a, waba_id=channel.waba_id, name="order_shipped", language="pt_BR"
    )
    graph = remote_server(
        {f"{GRAPH}/{channel.waba_id}/message_templates": pages(last=MAX_TEMPLATE_PAGES + 50)}
    )
    operate_graph_at(settings, graph)

    with pytest.raises(GraphError):
        sync_templates(channel)

    assert Template.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_graph_call_is_made_outside_any_database_transaction(settings, remote_server):
    """A slow Graph API must not keep a connection idle in a transaction (and its locks)."""
    from django.db import connections

    from tests.factories import TenantFactory
    from tests.remote_server import answer_json

    channel = ChannelFactory(tenant=TenantFactory())
    caller = connections["default"]  # this thread's connection (the proxy is per thread)
    seen = []

    def listing(handler):
        seen.append(caller.in_atomic_block)
        answer_json(handler, {"data": [{"name": "hello", "language": "en", "status": "APPROVED"}]})

    operate_graph_at(
        settings, remote_server({f"{GRAPH}/{channel.waba_id}/message_templates": listing})
    )

    assert sync_templates(channel) == 1
    assert seen == [False]
    assert Template.objects.filter(waba_id=channel.waba_id, name="hello").exists()
