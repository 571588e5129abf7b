"""The realtime hub: one websocket per browser tab at /ws/.

The server alone decides which groups a socket joins, from the session's membership and role.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from contactcenter.accounts import mfa
from contactcenter.accounts.middleware import TENANT_SESSION_KEY
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.selectors import active_membership

from .groups import agent_group, supervisor_group

# Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _principal_for(user, session) -> tuple[Principal | None, int | None]:
    if not user.is_authenticated:
        return None, CLOSE_UNAUTHENTICATED
    if not mfa.passes_mfa(user, session):
        return None, CLOSE_FORBIDDEN
    membership = active_membership(user, session.get(TENANT_SESSION_KEY))
    if membership is None:
        return None, CLOSE_FORBIDDEN
    return Principal.for_membership(membership), None


class HubConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        principal, close_code = await _principal_for(self.scope["user"], self.scope["session"])
        if principal is None:
            await self.close(code=close_code)
            return
        self.principal = principal
        self.groups_joined = [agent_group(principal.tenant.pk, principal.user.pk)]
        if principal.can(Scope.CONVERSATIONS_ALL):
            self.groups_joined.append(supervisor_group(principal.tenant.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json(
            {"type": "hello", "tenant": principal.tenant.slug, "role": principal.role}
        )

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.close(code=4400)
            return
        await self.send_json({"type": "pong"})

    async def hub_event(self, message):
        await self.send_json(message["event"])
