"""Every tenant-owned model's manager keeps tenants apart, and refuses to guess a tenant."""

import pytest
from django.apps import apps
from django.db import models

from contactcenter.accounts.models import AuditEvent, TenantScopedModel
from inbox.models import DeadLetter, EventSequence, WebhookDelivery

TENANT_MODELS = sorted(
    (m for m in apps.get_models() if issubclass(m, TenantScopedModel)), key=lambda m: m._meta.label
)


def test_every_tenant_owned_table_uses_the_scoped_base():
    """A model with a tenant key must be a TenantScopedModel (so it has for_tenant)."""
    # Rows that may belong to no tenant: account events of unknown e-mails, and webhook
    # deliveries (and their dead letters) naming no number of ours. Read only by operators.
    # EventSequence: one counter row per tenant, written only by a database trigger.
    exceptions = {AuditEvent, WebhookDelivery, DeadLetter, EventSequence}
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "tenant"), None)
        if field is not None and isinstance(field, models.ForeignKey) and model not in exceptions:
            assert issubclass(model, TenantScopedModel), model._meta.label


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_for_tenant_filters_by_tenant_and_refuses_a_missing_tenant(model, tenant_a, tenant_b):
    queryset = model.objects.for_tenant(tenant_a)

    assert str(queryset.query).count('"tenant_id" =') >= 1
    assert queryset.query.where.children[0].rhs == tenant_a.pk
    with pytest.raises(TypeError):
        model.objects.for_tenant(None)
    with pytest.raises(TypeError):
        model.objects.for_tenant(tenant_b.pk)


def test_rows_of_one_tenant_never_come_back_for_the_other(tenant_a, tenant_b):
    """Real rows in both tenants, for the models the inbox and routing create most."""
    from tests.factories import (
        AgentProfileFactory,
        ChannelFactory,
        ConversationFactory,
        QueueFactory,
        SkillFactory,
    )

    for tenant in (tenant_a, tenant_b):
        ConversationFactory(tenant=tenant, channel=ChannelFactory(tenant=tenant))
        AgentProfileFactory(tenant=tenant)
        QueueFactory(tenant=tenant)
        SkillFactory(tenant=tenant)
    for model in TENANT_MODELS:
        rows = list(model.objects.for_tenant(tenant_a).values_list("tenant_id", flat=True))
        assert set(rows) <= {tenant_a.pk}, model._meta.label
