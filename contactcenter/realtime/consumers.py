"""The realtime hub: one websocket per browser tab at /ws/.

The server alone decides which groups a socket joins, from the session's membership and role.
"""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from contactcenter.accounts import mfa
from contactcenter.accounts.middleware import TENANT_SESSION_KEY
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.selectors import active_membership
from contactcenter.errors import NotFound
from inbox.access import access_conversation
from routing.models import AgentProfile
from routing.services.presence import record_heartbeat

from .catchup import missed_events
from .groups import agent_group, conversation_group, queue_group, supervisor_group, user_group

# Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_FRAME = 4400
HEARTBEAT_EVERY_S = 20


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
    """Frames from the browser: `{"type": "hello", "last_seq": N}` (replay what was missed),
    `{"type": "subscribe" | "unsubscribe", "conversation": id}`, `{"type": "ping"}`.
    Frames to it: `hello`, events (`{"seq", "id", "type", "conversation", ...}`), `resync`,
    `pong`."""

    async def connect(self):
        principal, close_code = await _principal_for(self.scope["user"], self.scope["session"])
        if principal is None:
            await self.close(code=close_code)
            return
        self.principal = principal
        tenant_id, user_id = principal.tenant.pk, principal.user.pk
        self.groups_joined = [
            agent_group(tenant_id, user_id),
            queue_group(tenant_id),
            user_group(tenant_id, user_id),
        ]
        if principal.can(Scope.CONVERSATIONS_ALL):
            self.groups_joined.append(supervisor_group(tenant_id))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.last_heartbeat = 0.0
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
        kind = content.get("type")
        if kind == "ping":
            await self._heartbeat()
            await self.send_json({"type": "pong"})
        elif kind == "hello" and isinstance(content.get("last_seq"), int):
            await self._catch_up(content["last_seq"])
        elif kind in ("subscribe", "unsubscribe") and isinstance(content.get("conversation"), int):
            await self._watch(content["conversation"], kind == "subscribe")
        else:
            await self.close(code=CLOSE_BAD_FRAME)

    async def _catch_up(self, last_seq: int) -> None:
        events = await database_sync_to_async(missed_events)(self.principal, last_seq)
        if events is None:
            await self.send_json({"type": "resync"})
            return
        for event in events:
            await self.send_json(event)

    async def _watch(self, conversation_id: int, subscribe: bool) -> None:
        group = conversation_group(self.principal.tenant.pk, conversation_id)
        if not subscribe:
            await self.channel_layer.group_discard(group, self.channel_name)
            return
        if not await _may_see(self.principal, conversation_id):
            await self.send_json({"type": "error", "message": "Conversation not found."})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def _heartbeat(self) -> None:
        """The agent's presence stays online while a tab pings (at most one write per 20 s)."""
        now = time.monotonic()
        if now - self.last_heartbeat >= HEARTBEAT_EVERY_S:
            self.last_heartbeat = now
            await database_sync_to_async(_record_heartbeat)(self.principal)

    async def hub_event(self, message):
        await self.send_json(message["event"])

    async def hub_revoke(self, message):
        """The user's access changed (removed, new role, password or MFA reset): sign in again."""
        await self.close(code=CLOSE_FORBIDDEN)


@database_sync_to_async
def _may_see(principal: Principal, conversation_id: int) -> bool:
    try:
        access_conversation(principal, conversation_id)
    except NotFound:
        return False
    return True


def _record_heartbeat(principal: Principal) -> None:
    profile = (
        AgentProfile.objects.for_tenant(principal.tenant)
        .filter(membership=principal.membership)
        .first()
    )
    if profile is not None:
        record_heartbeat(principal.tenant, agent=profile)
