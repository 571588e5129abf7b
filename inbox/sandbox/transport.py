"""The one way the sandbox reaches our product: a signed POST of exact bytes (reference §1.2),
through the platform's outbound transport like every other call."""

import hashlib
import hmac

from contactcenter.outbound_http import OutboundClient, OutboundError

# Our receiver answers a few bytes; Meta reads no more of an answer than that either.
MAX_ANSWER_BYTES = 64 * 1024


def signature(raw: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def post_signed(url: str, raw: bytes, app_secret: str) -> tuple[int | None, str]:
    """POSTs like Meta does; returns (HTTP status or None, error text)."""
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(raw, app_secret),
        "User-Agent": "facebookexternalua",
    }
    try:
        with OutboundClient(connect_timeout_s=3.0, max_response_bytes=MAX_ANSWER_BYTES) as client:
            response = client.request("POST", url, content=raw, headers=headers)
    except OutboundError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, "" if response.status_code == 200 else response.text[:500]
