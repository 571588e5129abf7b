"""A prefork Celery worker keeps its PostgreSQL pool between tasks and hands each task's
connection back to it (celery/celery#10554 would otherwise open a new pool and connection for
every task)."""

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from contactcenter.celery import app
from routing.tasks import sweep

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_prefork_worker_reuses_its_pool_and_returns_each_tasks_connection():
    fixup = DjangoWorkerFixup(app)
    fixup.worker = SimpleNamespace(pool_cls="celery.concurrency.prefork:TaskPool")
    task = sweep  # any task, run by a worker (not eagerly)

    pools = []
    for _ in range(3):
        fixup.on_task_prerun(task)
        task_prerun.send(sender=task)
        with connection.cursor() as cursor:  # the task's work
            cursor.execute("SELECT 1")
        pools.append(connection.pool)
        fixup.on_task_postrun(task)
        task_postrun.send(sender=task)
        assert connection.connection is None  # back in the pool, not held between tasks

    assert pools[0] is pools[1] is pools[2]
    assert not pools[0].closed
