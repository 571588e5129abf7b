"""Every log line of a web request names its request id, of a Celery task its task id; the
response carries the request id back."""

import io
import logging
import re

import pytest
from celery import Celery
from django.test import Client

from contactcenter.logs import ContextFilter

# An app of its own, so the product's app lists no test task; Celery's signals, which
# contactcenter/celery.py connects, are sent for every app's tasks.
test_app = Celery("tests-ops", set_as_current=False)


@test_app.task(name="tests.ops.log_a_line", shared=False)
def log_a_line() -> None:
    logging.getLogger("tests.ops").warning("inside the task")


@pytest.fixture
def console():
    """What the console handler of settings.LOGGING writes, in this process."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ContextFilter) for f in h.filters)
    ]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_a_sent_request_id_is_echoed_and_names_the_requests_log_lines(db, console):
    response = Client().get("/no-such-page/", headers={"x-request-id": "req-42.a"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-42.a"
    (line,) = [line for line in console.getvalue().splitlines() if "Not Found" in line]
    assert "[request=req-42.a]" in line


def test_a_request_without_an_id_gets_a_new_one_each_time(db):
    first = Client().get("/no-such-page/")["X-Request-ID"]
    second = Client().get("/no-such-page/")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


@pytest.mark.parametrize("sent", ["two words", "x" * 129, "a\u00e9b", ""])
def test_an_id_that_could_forge_or_bloat_a_line_is_replaced(db, sent):
    echoed = Client().get("/no-such-page/", headers={"x-request-id": sent})["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_each_log_line_of_a_task_names_its_task_id_and_only_while_it_runs(console):
    result = log_a_line.apply()
    logging.getLogger("tests.ops").warning("after the task")

    inside, after = [line for line in console.getvalue().splitlines() if "the task" in line]
    assert f"[task={result.id}]" in inside
    assert "task=" not in after
