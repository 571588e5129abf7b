"""The inbox's scrape-time metric (contactcenter/metrics.py): how far processing lags behind
what Meta delivered, read from the deliveries table when /metrics is scraped."""

import logging

from django.db import DatabaseError
from django.db.models import Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from inbox.models import DeliveryState, WebhookDelivery

logger = logging.getLogger(__name__)


class ProcessingLag:
    def collect(self):
        try:
            oldest = WebhookDelivery.objects.filter(state=DeliveryState.PENDING).aggregate(
                oldest=Min("received_at")
            )["oldest"]
        except DatabaseError:
            logger.warning("metrics: the database does not answer", exc_info=True)
            return
        yield GaugeMetricFamily(
            "cc_webhook_processing_lag_seconds",
            "Age of the oldest webhook delivery still waiting to be processed (0: none waits).",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )
