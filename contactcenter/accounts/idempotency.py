"""`Idempotency-Key` on the REST API's writes, with Stripe's semantics.

A key belongs to one principal (token or person) and one endpoint (method and path). The first
request claims it by inserting its row (the unique index decides between concurrent ones, in
its own committed transaction, before the view's service runs); a request with the same key
and the same body then gets the stored answer, one with another body a 409, and one that
arrives while the first is still running a 409 "in progress": one effect, never two.

Only a 2xx answer is stored. Any other outcome released the key: our services write in one
transaction, so a refused or failed request changed nothing and may be sent again as it is.
Keys expire after IDEMPOTENCY_KEY_TTL_S (swept hourly; an expired key is free again at once).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.errors import Conflict, ErrorCode, ValidationFailed

from .models import IdempotentRequest, Tenant
from .permissions import Principal

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255


class IdempotencyKeyReused(Conflict):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class IdempotencyInProgress(Conflict):
    code = ErrorCode.IDEMPOTENCY_IN_PROGRESS


def check_key(key: str) -> None:
    """1 to 255 visible ASCII characters (a UUID is the usual choice)."""
    if not 0 < len(key) <= KEY_MAX_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise ValidationFailed(
            _("The Idempotency-Key header must be 1 to 255 visible ASCII characters, e.g. a UUID."),
            extra={"fields": {HEADER: [_("1 to 255 visible ASCII characters.")]}},
        )


def _principal_key(principal: Principal) -> str:
    if principal.token is not None:
        return f"token:{principal.token.pk}"
    return f"user:{principal.user.pk}"


def _expired_before():
    return timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_S)


def claim_request(
    tenant: Tenant, *, principal: Principal, endpoint: str, key: str, fingerprint: str
) -> tuple[IdempotentRequest, bool]:
    """The key's row, and whether this request claimed it (then it runs, and its answer is
    stored by complete_request or the key freed by release_request); else the row holds the
    answer to replay. Raises a 409 for another body or a request still in progress."""
    check_key(key)
    who = _principal_key(principal)
    digest = hashlib.sha256(f"{who}\n{endpoint}\n{key}".encode()).hexdigest()
    rows = IdempotentRequest.objects.for_tenant(tenant)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    tenant=tenant,
                    scope_digest=digest,
                    principal=who,
                    endpoint=endpoint,
                    key=key,
                    fingerprint=fingerprint,
                )
            return row, True
        except IntegrityError:
            pass
        row = rows.filter(scope_digest=digest).first()
        if row is None:
            continue  # released since our insert was refused: claim it again
        if row.created_at < _expired_before():
            rows.filter(pk=row.pk, created_at=row.created_at).delete()
            continue
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                _(
                    "This Idempotency-Key was already used with a different request body. "
                    "Use a new key for a new request."
                )
            )
        if row.response_status is None:
            break
        return row, False
    raise IdempotencyInProgress(
        _(
            "A request with this Idempotency-Key is still being processed. "
            "Wait a moment and send it again with the same key."
        )
    )


def complete_request(row: IdempotentRequest, *, status: int, body) -> None:
    """Stores the answer to replay."""
    IdempotentRequest.objects.filter(pk=row.pk).update(response_status=status, response_body=body)


def release_request(row: IdempotentRequest) -> None:
    """The request did not succeed (and changed nothing): the key may be used again."""
    IdempotentRequest.objects.filter(pk=row.pk, response_status__isnull=True).delete()


def sweep_idempotent_requests() -> int:
    """Deletes expired keys; returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=_expired_before()).delete()
    return deleted
