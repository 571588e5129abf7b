"""Agents send only approved templates of their number, with every variable filled."""

import pytest

from contactcenter.errors import ValidationFailed
from templates_hsm.models import Template, TemplateStatus
from templates_hsm.services import template_content
from tests.factories import ChannelFactory

BODY = "Hi {{1}}, your order {{2}} has shipped."


def make_template(channel, *, status=TemplateStatus.APPROVED, name="order_shipped"):
    return Template.objects.create(
        tenant=channel.tenant,
        waba_id=channel.waba_id,
        name=name,
        language="en_US",
        status=status,
        body_text=BODY,
        body_param_count=2,
    )


def test_an_approved_template_with_its_values_becomes_send_content(tenant_a):
    channel = ChannelFactory(tenant=tenant_a)
    template = make_template(channel)

    content = template_content(channel, template_id=template.pk, params=["Ana", "4411"])

    assert content["template"]["name"] == "order_shipped"
    assert content["template"]["language"]["code"] == "en_US"
    values = [p["text"] for p in content["template"]["components"][0]["parameters"]]
    assert values == ["Ana", "4411"]


@pytest.mark.parametrize("params", [["Ana"], ["Ana", " "], ["Ana", "4411", "extra"]])
def test_missing_or_extra_values_are_refused_with_the_count(tenant_a, params):
    channel = ChannelFactory(tenant=tenant_a)
    template = make_template(channel)

    with pytest.raises(ValidationFailed, match="needs 2 values"):
        template_content(channel, template_id=template.pk, params=params)


def test_paused_and_other_tenants_templates_cannot_be_sent(tenant_a, tenant_b):
    channel = ChannelFactory(tenant=tenant_a)
    paused = make_template(channel, status=TemplateStatus.PAUSED)
    foreign = make_template(ChannelFactory(tenant=tenant_b), name="other")

    for template in (paused, foreign):
        with pytest.raises(ValidationFailed, match="approved template"):
            template_content(channel, template_id=template.pk, params=["a", "b"])
