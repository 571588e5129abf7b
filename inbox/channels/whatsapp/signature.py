"""`X-Hub-Signature-256` over the raw body (reference §1.2)."""

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "sha256="


def sign(raw: bytes, secret: str) -> str:
    return PREFIX + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def is_valid_signature(raw: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """True if any configured app secret signed these exact bytes; no secret fails closed."""
    if not header or not header.startswith(PREFIX):
        return False
    return any(
        hmac.compare_digest(sign(raw, secret).encode(), header.strip().encode())
        for secret in secrets
        if secret
    )
