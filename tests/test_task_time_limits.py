"""Every task runs under a soft and a hard time limit, so no slow or silent endpoint can hold a
worker; longer limits stay below the broker's visibility timeout (a task is not redelivered
while it may still run)."""

from contactcenter.celery import app
from inbox.channels.whatsapp.client import MEDIA_TRANSFER_TIMEOUT_S

app.loader.import_default_modules()  # registers every app's tasks, as a worker does


def test_every_task_has_a_soft_limit_below_its_hard_limit():
    visibility_timeout = app.conf.broker_transport_options["visibility_timeout"]
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard, name
        assert soft < hard < visibility_timeout, name


def test_media_and_sends_get_the_time_a_large_file_needs():
    for name in ("inbox.download_media", "inbox.deliver_message"):
        assert app.tasks[name].soft_time_limit > MEDIA_TRANSFER_TIMEOUT_S
