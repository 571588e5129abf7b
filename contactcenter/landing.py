"""Where a signed-in person lands (`home`): the first page an app asks for, a first-run step
such as connecting the company's first WhatsApp number, else the dashboard or the inbox.

The foundation imports no app, so apps register their steps from AppConfig.ready():
`register_first_run(step)`, where `step(request)` returns the URL of a page the person must
see first, or None.
"""

from collections.abc import Callable

from django.http import HttpRequest

FirstRunStep = Callable[[HttpRequest], str | None]

_steps: list[FirstRunStep] = []


def register_first_run(step: FirstRunStep) -> None:
    if step not in _steps:
        _steps.append(step)


def first_run_url(request: HttpRequest) -> str | None:
    for step in _steps:
        url = step(request)
        if url:
            return url
    return None
