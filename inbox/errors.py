"""Error codes of the inbox, rendered by the one API handler and the page helper."""

from contactcenter.errors import AppError


class WindowClosed(AppError):
    code = "window_closed"
    http_status = 409

    def __init__(self):
        super().__init__(
            "More than 24 hours since the customer last wrote: only an approved template can be "
            "sent now. Choose a template."
        )


class InvalidContent(AppError):
    code = "invalid_content"
    http_status = 400


class NotHolder(AppError):
    """The conversation is visible to the principal but held by someone else, or by nobody."""

    code = "not_assignee"
    http_status = 409
