"""`X-Hub-Signature-256` over the raw body (reference §1.2)."""

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "sha256="


def sign(raw: bytes, secret: str) -> str:
    return PREFIX + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def is_valid_signature(raw: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """True if any configured app secret signed these exact bytes; no secret fails closed.

    The header is compared as bytes in constant time; junk (non-ASCII, wrong prefix) is a
    plain mismatch, never an exception.
    """
    if not isinstance(header, str):
        return False
    header = header.strip()
    if not header.startswith(PREFIX):
        return False
    given = header.encode("utf-8", "replace").lower()
    return any(
        hmac.compare_digest(sign(raw, secret).encode(), given) for secret in secrets if secret
    )
