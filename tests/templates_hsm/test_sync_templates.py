"""Our copy of a business account's templates follows what the Graph API lists, in the
adapter's shape; the statuses the adapter reads are the ones a template can have."""

from inbox.channels.whatsapp.message_templates import OTHER_STATUS, TEMPLATE_STATUSES
from templates_hsm.models import Template, TemplateStatus
from templates_hsm.services import sync_templates
from tests.factories import ChannelFactory
from tests.remote_server import GRAPH, answer_json, operate_graph_at


def test_listed_templates_are_kept_with_their_body_and_unlisted_ones_dropped(
    settings, remote_server, tenant_a
):
    channel = ChannelFactory(tenant=tenant_a)
    gone = Template.objects.create(
        tenant=tenant_a, waba_id=channel.waba_id, name="retired", language="en"
    )
    listed = [
        {
            "id": "1387372356726668",
            "name": "order_shipped",
            "language": "pt_BR",
            "category": "UTILITY",
            "status": "APPROVED",
            "components": [
                {"type": "BODY", "text": "Olá {{1}}! Seu pedido {{2}} foi enviado."},
                {"type": "FOOTER", "text": "Acme Store"},
            ],
        },
        {"id": "2", "name": "in_appeal", "language": "en", "status": "IN_APPEAL"},
    ]
    operate_graph_at(
        settings,
        remote_server(
            {
                f"{GRAPH}/{channel.waba_id}/message_templates": lambda handler: answer_json(
                    handler, {"data": listed}
                )
            }
        ),
    )

    assert sync_templates(channel) == 2

    shipped = Template.objects.get(waba_id=channel.waba_id, name="order_shipped")
    assert (shipped.graph_id, shipped.category, shipped.status) == (
        "1387372356726668",
        "UTILITY",
        TemplateStatus.APPROVED,
    )
    assert shipped.body_text == "Olá {{1}}! Seu pedido {{2}} foi enviado."
    assert shipped.body_param_count == 2
    assert [c["kind"] for c in shipped.components] == ["body", "footer"]
    assert Template.objects.get(name="in_appeal").status == TemplateStatus.OTHER
    assert not Template.objects.filter(pk=gone.pk).exists()


def test_every_status_the_adapter_reads_is_a_template_status():
    assert {*TEMPLATE_STATUSES, OTHER_STATUS} == set(TemplateStatus.values)
