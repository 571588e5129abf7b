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
CLOSE_BAD_FRAME = 4400


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

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """A frame that is not a JSON object closes this socket only (never the worker)."""
        try:
            content = await self.decode_json(text_data) if text_data else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.close(code=CLOSE_BAD_FRAME)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if content.get("type") != "ping":
            await self.close(code=CLOSE_BAD_FRAME)
            return
        await self.send_json({"type": "pong"})

    async def hub_event(self, message):
        await self.send_json(message["event"])
