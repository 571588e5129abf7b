import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_init

from contactcenter import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every log line of a task names its id; the worker logs through settings.LOGGING.
task_prerun.connect(logs.bind_task)
task_postrun.connect(logs.unbind_task)
setup_logging.connect(logs.configure_worker_logging)


@worker_init.connect
def _serve_metrics(**kwargs) -> None:
    """In the worker's parent process, before its pool starts (contactcenter/metrics.py)."""
    from django.conf import settings

    if settings.WORKER_METRICS_PORT:
        from contactcenter import metrics

        metrics.serve_worker_metrics(settings.WORKER_METRICS_PORT, settings.WORKER_METRICS_ADDRESS)


@task_prerun.connect
@task_postrun.connect
def _return_database_connections(sender=None, **kwargs) -> None:
    """Hands the task's database connection back to the pool, as Django does after a request.

    Celery's own Django fixup would also close the whole pool around every task in a prefork
    worker (celery/celery#10554): every task would then start a pool and open a new PostgreSQL
    connection. CELERY_DB_REUSE_MAX keeps the fixup from doing that; this does its useful half.
    """
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside the caller's transaction
    from django.db import close_old_connections

    close_old_connections()
