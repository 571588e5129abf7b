"""A user whose access changes has their open sockets closed (4403) once the change commits;
other users' sockets stay open."""

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from contactcenter.accounts.models import Membership, Role
from contactcenter.accounts.permissions import Principal
from contactcenter.accounts.services import change_role, deactivate_membership, reset_mfa
from tests.conftest import signed_in_client
from tests.factories import PASSWORD

from .hub import closed_with, communicator, opened

pytestmark = pytest.mark.django_db(transaction=True)


def admin_of(user, tenant) -> Principal:
    return Principal.for_membership(Membership.objects.get(user=user, tenant=tenant))


def promote(alice, bob, tenant):
    member = Membership.objects.get(user=bob, tenant=tenant)
    change_role(
        tenant, principal=admin_of(alice, tenant), membership=member, role=Role.SUPERVISOR, ip=None
    )


def deactivate(alice, bob, tenant):
    member = Membership.objects.get(user=bob, tenant=tenant)
    deactivate_membership(tenant, principal=admin_of(alice, tenant), membership=member, ip=None)


def reset(alice, bob, tenant):
    member = Membership.objects.get(user=bob, tenant=tenant)
    reset_mfa(tenant, principal=admin_of(alice, tenant), membership=member, ip=None)


def change_password(alice, bob, tenant):
    response = signed_in_client(bob).post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-pass-77x",
            "new_password2": "a-new-pass-77x",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize("revoke", [promote, deactivate, reset, change_password])
async def test_a_change_of_access_closes_the_users_sockets_only(
    cookies, alice, bob, tenant_a, revoke
):
    bob_tabs = [await opened(cookies["bob@a.test"]) for _ in range(2)]
    dora = await opened(cookies["dora@a.test"])

    await sync_to_async(revoke)(alice, bob, tenant_a)

    assert [await closed_with(ws) for ws in bob_tabs] == [4403, 4403]
    await dora.send_json_to({"type": "ping"})
    assert (await dora.receive_json_from())["type"] == "pong"
    await dora.disconnect()


async def test_a_revoked_user_cannot_open_a_socket_again(cookies, alice, bob, tenant_a):
    await sync_to_async(deactivate)(alice, bob, tenant_a)

    connected, _ = await communicator(cookies["bob@a.test"]).connect()

    assert not connected


async def test_a_socket_whose_revoke_message_was_lost_closes_at_its_next_recheck(
    cookies, bob, tenant_a, settings
):
    settings.HUB_RECHECK_S = 0.2
    ws = await opened(cookies["bob@a.test"])

    # The role changes without the service (so without the revoke push): the re-check sees it.
    await sync_to_async(Membership.objects.filter(user=bob, tenant=tenant_a).update)(
        role=Role.SUPERVISOR
    )

    assert await closed_with(ws) == 4403
