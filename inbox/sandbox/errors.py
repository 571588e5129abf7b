"""Graph API errors as Meta returns them (reference §6.1): `{"error": {...}}` + HTTP status."""

import secrets

# code → (title, HTTP status) for the codes the sandbox answers (reference §6.2).
CATALOG: dict[int, tuple[str, int]] = {
    10: ("Permission denied", 403),
    100: ("Invalid parameter", 400),
    190: ("Invalid OAuth access token - Cannot parse access token", 401),
    130429: ("Rate limit hit", 400),
    131008: ("Required parameter is missing", 400),
    131009: ("Parameter value is not valid", 400),
    131021: ("Recipient cannot be sender", 400),
    131047: ("Re-engagement message", 400),
    131056: ("(Business Account, Consumer Account) pair rate limit hit", 400),
    131051: ("Unsupported message type", 400),
    131053: ("Media upload error", 400),
    132000: ("Number of parameters does not match the expected number of params", 400),
    132001: ("Template name does not exist in the translation", 404),
    132012: ("Parameter format does not match format in the created template", 400),
    132015: ("Template is Paused", 400),
    132016: ("Template is Disabled", 400),
}

# Details of the asynchronous failures (status webhooks), as seen in public fixtures.
ASYNC_DETAILS = {
    131047: "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number.",
    131009: "The message you are reacting to is not in this conversation.",
    131053: "Unsupported media type for this message type.",
}
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


class GraphApiError(Exception):
    """A refused Graph call; `as_body()` is the JSON Meta would answer."""

    def __init__(
        self,
        code: int,
        details: str = "",
        *,
        http_status: int | None = None,
        subcode: int | None = None,
    ):
        title, default_status = CATALOG.get(code, ("Unknown error", 400))
        super().__init__(f"({code}) {title}: {details}")
        self.code = code
        self.subcode = subcode
        self.title = title
        self.details = details
        self.http_status = http_status or default_status

    def as_body(self) -> dict:
        error: dict = {
            "message": f"(#{self.code}) {self.title}" if self.code != 190 else self.title,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": "A" + secrets.token_urlsafe(16),
        }
        if self.subcode:
            error["error_subcode"] = self.subcode
        if self.code != 190:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error}


def status_error(code: int) -> dict:
    """The `errors[]` item of a failed status webhook (reference §3.2.7)."""
    title = CATALOG.get(code, ("Unknown error", 400))[0]
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": ASYNC_DETAILS.get(code, title)},
        "href": ERROR_CODES_HREF,
    }
