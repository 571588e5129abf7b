"""Celery entry points of the sandbox: ids in, one service call each. They run on the "sandbox"
queue through CELERY_TASK_ROUTES ("sandbox.*")."""

from celery import shared_task

from .services import templates, webhooks


@shared_task(
    name="sandbox.deliver_webhook",
    bind=True,
    acks_late=True,
    max_retries=webhooks.WEBHOOK_MAX_ATTEMPTS,
)
def deliver_webhook(self, webhook_id: int) -> None:
    """POSTs one webhook; on a non-200 answer, again with exponential backoff."""
    if not webhooks.deliver_webhook(webhook_id):
        raise self.retry(countdown=webhooks.retry_delay_s(self.request.retries))


@shared_task(name="sandbox.review_template", acks_late=True)
def review_template(template_id: int) -> None:
    templates.review_template(template_id)
