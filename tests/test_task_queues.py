"""Each task runs on the queue its workers are sized for (DESIGN: ingest, send, timers, ...)."""

import pytest

from contactcenter.celery import app

app.loader.import_default_modules()  # registers every app's tasks, as a worker does

QUEUES = {
    "inbox.process_webhook": "ingest",
    "inbox.download_media": "ingest",
    "inbox.deliver_message": "send",
    "inbox.send_read_receipt": "send",
    "relay.sweep": "timers",
    "inbox.sweep_early_statuses": "timers",
    "inbox.sweep_webhook_retention": "timers",
    "routing.sweep": "timers",
    "accounts.sweep_idempotent_requests": "timers",
    "routing.route_conversation": "default",
    "routing.assign_waiting": "default",
    "templates_hsm.sync_all": "default",
    "accounts.send_invitation_email": "default",
    "accounts.send_password_reset_email": "default",
    "sandbox.deliver_webhook": "sandbox",
    "sandbox.review_template": "sandbox",
}


@pytest.mark.parametrize(("task", "queue"), QUEUES.items())
def test_each_task_is_sent_to_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_task_of_ours_has_its_queue_checked_here():
    assert {name for name in app.tasks if not name.startswith("celery.")} == set(QUEUES)
