"""Who must use MFA, and whether a session has passed it (django-otp devices)."""

from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device

from . import tenancy
from .models import Membership, Role, User

MFA_ROLES = (Role.SUPERVISOR, Role.ADMIN)

# What a session must do next (None: nothing, it may go on).
SIGN_IN = "sign_in"  # its company signed the person out (tenancy)
VERIFY = "verify"
ENROL = "enrol"


def is_mfa_required(user: User) -> bool:
    """Supervisors and admins always; everyone in a tenant that requires it; anyone enrolled."""
    if not user.is_authenticated:
        return False
    memberships = Membership.objects.filter(user=user, is_active=True)
    if memberships.filter(role__in=MFA_ROLES).exists():
        return True
    if memberships.filter(tenant__require_mfa=True).exists():
        return True
    return user_has_device(user, confirmed=True)


def is_enrolled(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def session_device(user: User, session) -> Device | None:
    """The confirmed device this session was verified with, if it is still the user's."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return device


def is_session_verified(user: User, session) -> bool:
    return session_device(user, session) is not None


def may_enrol(user: User, verified_with: Device | None) -> bool:
    """A new device may be set up by a session verified with the current one, or by anyone
    past the password when there is no device to verify with (first enrolment, or after an
    admin's reset). A password alone never replaces a device."""
    return verified_with is not None or not is_enrolled(user)


def next_step(user: User, session) -> str | None:
    """SIGN_IN, VERIFY or ENROL while the session may not go on, else None. One check for
    every path in: pages, session API calls, websocket connects.

    After an admin's reset in the session's company the person enters that company only with
    a device set up after the reset (verifying first with the current one if they still have
    it: it guards their other companies)."""
    membership, is_signed_out = tenancy.session_membership(user, session)
    if is_signed_out:
        return SIGN_IN
    if not is_mfa_required(user):
        return None
    if not is_session_verified(user, session):
        return VERIFY if is_enrolled(user) else ENROL
    if membership is not None and membership.mfa_reset_at is not None:
        return ENROL
    return None


def passes_mfa(user: User, session) -> bool:
    return next_step(user, session) is None
