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


def session_membership(user: User, session) -> tuple[Membership | None, bool]:
    """(membership, is_signed_out): the membership the session works in (the company it is
    bound to, else the user's first until it is bound), and whether the company it is bound
    to signed the person out or removed them (then the membership is None)."""
    bound_to = session.get(TENANT_SESSION_KEY)
    membership = active_membership(user, bound_to)
    if bound_to is None:
        return membership, False
    if (
        membership is None
        or membership.tenant_id != bound_to
        or session.get(TENANT_STAMP_SESSION_KEY) != membership.session_stamp
    ):
        return None, True
    return membership, False
