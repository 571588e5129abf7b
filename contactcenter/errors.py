"""One error hierarchy for the whole project, rendered the same way by the API and the pages.

Body: {"code": ..., "message": ..., "extra": {...}}. Messages speak to the user and say what to do.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    MFA_REQUIRED = "mfa_required"
    VALIDATION = "invalid"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    ERROR = "error"


class AppError(Exception):
    code: str = ErrorCode.ERROR
    http_status: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        self.extra = extra or {}

    def as_body(self) -> dict:
        return {"code": str(self.code), "message": self.message, "extra": self.extra}


class NotFound(AppError):
    """The same answer for 'missing' and 'not yours': never confirm another tenant's ids."""

    code = ErrorCode.NOT_FOUND
    http_status = 404

    def __init__(
        self, message: str = "Not found. Check the id, or that you are in the right company."
    ):
        super().__init__(message)


class Forbidden(AppError):
    code = ErrorCode.PERMISSION_DENIED
    http_status = 403

    def __init__(
        self, message: str = "Your role does not allow this. Ask an admin of your company."
    ):
        super().__init__(message)


class ValidationFailed(AppError):
    code = ErrorCode.VALIDATION
    http_status = 400


class Conflict(AppError):
    code = ErrorCode.CONFLICT
    http_status = 409
