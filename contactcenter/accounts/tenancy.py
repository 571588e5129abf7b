"""Which company a browser session works in, and whether that company still lets it in.

A session is bound to one membership: the tenant id and the membership's session stamp are
kept in the session. An admin who signs a person out of a company (removal, MFA reset, sign
out) rotates that membership's stamp, which ends every session bound to that company; the
person's sessions in their other companies go on.
"""

from .models import Membership, User
from .selectors import active_membership

TENANT_SESSION_KEY = "tenant_id"
TENANT_STAMP_SESSION_KEY = "tenant_session_stamp"


def bind_session(session, membership: Membership) -> None:
    session[TENANT_SESSION_KEY] = membership.tenant_id
    session[TENANT_STAMP_SESSION_KEY] = membership.session_stamp


def is_signed_out(user: User, session) -> bool:
    """The company this session is bound to signed the person out (or removed them)."""
    bound_to = session.get(TENANT_SESSION_KEY)
    if bound_to is None:
        return False
    return not _is_binding_valid(session, active_membership(user, bound_to), bound_to)


def _is_binding_valid(session, membership: Membership | None, bound_to: int) -> bool:
    return (
        membership is not None
        and membership.tenant_id == bound_to
        and session.get(TENANT_STAMP_SESSION_KEY) == membership.session_stamp
    )
