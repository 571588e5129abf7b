"""Graph API errors: which to retry, how long to wait, and what to tell the agent.

Codes and retry advice from ../shared/reference/whatsapp-cloud-api.md §6.2. Logic is built on the
integer code, never on Meta's message text.
"""

from dataclasses import dataclass, field

from contactcenter.outbound_http import DestinationRefused, OutboundError

# Retry only what can succeed later (§6.2 "Retry policy suggestion").
RETRYABLE_CODES = frozenset({1, 2, 4, 613, 80007, 130429, 131000, 131016, 131056, 131057, 133004})
PAIR_RATE_LIMIT = 131056
MAX_BACKOFF_S = 15 * 60

HUMAN_MESSAGES = {
    0: "WhatsApp refused the channel's access token. An admin must paste a new token.",
    190: "The channel's access token has expired. An admin must paste a new token.",
    10: "The channel's token lacks a permission. An admin must check the Meta app's permissions.",
    100: "WhatsApp refused a field of this message. Check text, media or buttons and try again.",
    368: "The WhatsApp account is temporarily blocked for policy violations.",
    130429: "Sending too fast for this number; the message is retried automatically.",
    130472: "The customer is part of a Meta experiment; this marketing message was not sent.",
    131000: "WhatsApp had an unknown error; the message is retried a few times.",
    131005: "The channel's token is not allowed to send. An admin must check permissions.",
    131008: "A required field is missing from this message.",
    131009: "A value in this message is not valid (for example the phone number or a button).",
    131016: "WhatsApp is temporarily unavailable; the message is retried automatically.",
    131021: "The customer's number is the business's own number.",
    131026: "WhatsApp could not deliver: the number may not use WhatsApp or has an old app. "
    "Reach the customer another way.",
    131030: "This test number may only message its allow-listed recipients.",
    131031: "The WhatsApp Business account is locked. An admin must check WhatsApp Manager.",
    131042: "Meta reports a payment problem on the WhatsApp account. An admin must fix billing.",
    131047: "More than 24 hours since the customer last wrote: send an approved template instead.",
    131048: "This number is limited for spam reports; slow down and check its quality rating.",
    131049: "Meta chose not to deliver this marketing message; do not resend within 24 hours.",
    131050: "The customer stopped marketing messages from this business.",
    131051: "WhatsApp does not support this message type.",
    131052: "WhatsApp could not download the customer's media; ask them to send it again.",
    131053: "WhatsApp could not accept this media: check its type and size.",
    131056: "Too many messages to this customer in a short time; retried with a pause.",
    131057: "The number is in maintenance for a minute; the message is retried.",
    132000: "The template's variables do not match: fill every variable once.",
    132001: "This template does not exist in this language, or is not approved yet.",
    132005: "The template text is too long after filling the variables.",
    132007: "The template's content breaks a WhatsApp policy.",
    132012: "A template variable has the wrong format (for example the header media type).",
    132015: "This template is paused for low quality; use another one.",
    132016: "This template was disabled by Meta; create a new one.",
}


@dataclass
class GraphError(Exception):
    """A refused Graph call (sync) or a failed status (async); `code` None means no answer."""

    code: int | None
    title: str = ""
    details: str = ""
    http_status: int | None = None
    fbtrace_id: str = ""
    raw: dict = field(default_factory=dict)
    # Overrides the message by code, for failures that are ours, not Meta's.
    note: str = ""
    # No answer, and the request may have reached Meta (written, then a read time-out or a
    # dropped connection): a send must not be repeated blindly. False when it certainly did not.
    is_outcome_unknown: bool = False
    # Our outbound guard or media host list refused the address: no retry helps until an
    # operator changes the settings.
    is_destination_refused: bool = False

    def __str__(self) -> str:
        return f"Graph error {self.code}: {self.title} {self.details}".strip()

    @property
    def is_retryable(self) -> bool:
        if self.is_destination_refused:
            return False
        if self.code is None:  # timeout or connection error
            return True
        if self.code in RETRYABLE_CODES:
            return True
        return (
            self.http_status is not None
            and self.http_status >= 500
            and self.code
            not in (
                3,
                131045,
                133000,
            )
        )

    @property
    def human_message(self) -> str:
        if self.note:
            return self.note
        if self.code is None:
            return "WhatsApp could not be reached; the message is retried automatically."
        return HUMAN_MESSAGES.get(self.code) or (
            f"WhatsApp refused the message ({self.code}: {self.title or 'no title'})."
            + (f" {self.details}" if self.details else "")
        )

    @classmethod
    def from_transport(cls, error: OutboundError) -> "GraphError":
        """No answer from the Graph API (or one too large to read)."""
        refused = isinstance(error, DestinationRefused)
        return cls(
            code=None,
            title=type(error).__name__,
            details=str(error),
            is_outcome_unknown=error.may_have_reached,
            is_destination_refused=refused,
            note="The platform refused to connect to this address; an operator must allow it."
            if refused
            else "",
        )

    @classmethod
    def from_response_body(cls, body: dict, http_status: int) -> "GraphError":
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(code=None if http_status >= 500 else 1, http_status=http_status, raw=body)
        return cls(
            code=error.get("code"),
            title=str(error.get("message", ""))[:200],
            details=str((error.get("error_data") or {}).get("details", "")),
            http_status=http_status,
            fbtrace_id=str(error.get("fbtrace_id", "")),
            raw=error,
        )

    @classmethod
    def from_status_error(cls, error: dict) -> "GraphError":
        return cls(
            code=error.get("code"),
            title=str(error.get("title") or error.get("message") or "")[:200],
            details=str((error.get("error_data") or {}).get("details", "")),
            raw=error,
        )


def backoff_seconds(error: GraphError, attempt: int) -> int:
    """Meta asks 4^n seconds for the pair limit; exponential from 2 s for the rest."""
    if error.code == PAIR_RATE_LIMIT:
        return min(4**attempt, MAX_BACKOFF_S)
    return min(2 ** (attempt + 1), MAX_BACKOFF_S)
