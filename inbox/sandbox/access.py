"""The access helper of the customer phone page: the sandbox number the principal may speak to,
or the same 404 for 'missing' and 'not yours'."""

from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.errors import NotFound

from . import selectors
from .models import SandboxNumber


def access_number(principal: Principal, phone_number_id) -> SandboxNumber:
    principal.require(Scope.CONFIG)
    number = selectors.numbers(principal.tenant).filter(phone_number_id=str(phone_number_id))
    try:
        return number.get()
    except SandboxNumber.DoesNotExist as exc:
        raise NotFound() from exc
