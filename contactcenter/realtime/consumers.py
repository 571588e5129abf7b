"""The realtime hub: one websocket per browser tab at /ws/.

The server alone decides which groups a socket joins, from the session's membership and role.

Wire protocol (every frame is a JSON object with a "type"):

Browser -> hub
  connect to `/ws/` (live only) or `/ws/?last_seq=N` (replay what came after N first)
  {"type": "ping"}                                     every 20 s; keeps the agent online
  {"type": "subscribe", "conversation": <id>}          a conversation the principal may see
  {"type": "unsubscribe", "conversation": <id>}
  {"type": "catch_up", "last_seq": N}                  the tab saw a gap after N: replay what
                                                       it missed (then caught_up); one at a time
Hub -> browser
  {"type": "hello", "tenant": slug, "role": role}      first frame
  {"seq", "id", "type", "conversation", "at", "actor", "state", "assignee", "data"}
                                                       an event of the log (replayed or live)
  {"type": "caught_up", "last_seq": M}                 replay done; the cursor is now M
  {"type": "resync"}                                   N cannot be replayed: reload the page
  {"type": "presence", ...}                            pushes that are not in the log (no seq)
  {"type": "subscribed" | "unsubscribed", "conversation": id}
  {"type": "error", "code": "not_found", "conversation": id}   (same for missing / not yours)
  {"type": "pong"}
Close codes: 4401 not signed in (signed out, session ended or expired), 4403 forbidden or
access revoked (both: sign in again, never reconnect as is), 4400 a malformed frame (that
socket only).

Every HUB_RECHECK_S the hub checks the socket's session and access again (a lost revoke
message or an expired session still closes it) and joins its groups again: that restores
groups a Redis restart lost and refreshes their expiry in the channel layer. Pushes lost
before that show as a gap in `seq`, and the tab catches up.
"""

import asyncio
import logging
import random
import time
from collections import deque
from importlib import import_module
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from contactcenter import metrics
from contactcenter.accounts import mfa
from contactcenter.accounts.middleware import TENANT_SESSION_KEY
from contactcenter.accounts.models import Membership, User
from contactcenter.accounts.permissions import Principal, Scope
from contactcenter.accounts.selectors import active_membership
from contactcenter.errors import AppError
from inbox.access import access_conversation
from inbox.models import ConversationState
from routing.models import AgentProfile
from routing.services.presence import record_heartbeat

from .catchup import replay_bound, replay_page
from .groups import (
    agent_group,
    conversation_group,
    queue_group,
    session_group,
    supervisor_group,
    user_group,
)

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_FRAME = 4400
HEARTBEAT_EVERY_S = 20
MAX_FRAME_CHARS = 4096
MAX_SUBSCRIPTIONS = 50
RECENT_SEQS = 1024  # a live event reaches a socket once even through two of its groups
QUEUE_STATES = (ConversationState.QUEUED, ConversationState.BOT)


@database_sync_to_async
def _principal_for(user, session) -> tuple[Principal | None, int | None]:
    if not user.is_authenticated:
        return None, CLOSE_UNAUTHENTICATED
    if not mfa.passes_mfa(user, session):
        return None, CLOSE_FORBIDDEN
    membership = active_membership(user, session.get(TENANT_SESSION_KEY))
    if membership is None:
        return None, CLOSE_FORBIDDEN
    principal = Principal.for_membership(membership)
    _record_heartbeat(principal)  # the first ping is 20 s away; the silence sweep is not
    return principal, None


def _cursor_from(query_string: bytes) -> tuple[int | None, bool]:
    """`?last_seq=N` -> (N, True); absent -> (None, True); anything else -> (None, False)."""
    values = parse_qs(query_string.decode("latin-1"), keep_blank_values=True).get("last_seq")
    if not values:
        return None, True
    raw = values[-1]
    if not raw.isdigit() or len(raw) > 18:
        return None, False
    return int(raw), True


def _int_field(content: dict, key: str, *, minimum: int) -> int | None:
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value < 10**18:
        return None
    return value


class HubConsumer(AsyncJsonWebsocketConsumer):
    """See the module docstring for the frames. Catch-up: the socket joins its groups first,
    then replays the log up to the tenant's last committed seq M while live pushes wait in a
    buffer; live events with seq <= M were replayed (or are not the socket's) and are
    dropped, the rest follow in arrival order. Nothing is lost or sent twice."""

    principal: Principal | None = None
    is_counted = False  # in the open-websockets gauge, from its accept

    async def connect(self):
        principal, close_code = await _principal_for(self.scope["user"], self.scope["session"])
        if principal is None:
            await self.close(code=close_code)
            return
        self.principal = principal
        self.session_key = self.scope["session"].session_key
        self.cursor: int | None = None  # live events at or below it were replayed
        self.buffer: list[dict] | None = None  # live events held while replaying
        self.recent: deque[int] = deque()
        self.recent_set: set[int] = set()
        self.subscriptions: set[int] = set()
        self.replay_task: asyncio.Task | None = None
        self.recheck_task: asyncio.Task | None = None
        self.last_heartbeat = time.monotonic()  # recorded at connect
        tenant_id, user_id = principal.tenant.pk, principal.user.pk
        self.groups_joined = [
            agent_group(tenant_id, user_id),
            queue_group(tenant_id),
            user_group(tenant_id, user_id),
            session_group(self.session_key),
        ]
        if principal.can(Scope.CONVERSATIONS_ALL):
            self.groups_joined.append(supervisor_group(tenant_id))
        for group in self.groups_joined:  # groups first: nothing committed later is missed
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        metrics.WEBSOCKETS.inc()
        self.is_counted = True
        last_seq, well_formed = _cursor_from(self.scope.get("query_string", b""))
        if not well_formed:
            await self.close(code=CLOSE_BAD_FRAME)
            return
        await self.send_json(
            {"type": "hello", "tenant": principal.tenant.slug, "role": principal.role}
        )
        self.recheck_task = asyncio.create_task(self._recheck_every(settings.HUB_RECHECK_S))
        if last_seq is not None:
            self._catch_up(last_seq)

    async def disconnect(self, code):
        if self.is_counted:
            metrics.WEBSOCKETS.dec()
        for task in (getattr(self, "replay_task", None), getattr(self, "recheck_task", None)):
            if task is not None:
                task.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- Browser -> hub ---------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """A frame that is not a small JSON object closes this socket only (never the worker)."""
        content = None
        if text_data and len(text_data) <= MAX_FRAME_CHARS:
            try:
                content = await self.decode_json(text_data)
            except ValueError:
                content = None
        if not isinstance(content, dict):
            await self.close(code=CLOSE_BAD_FRAME)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        conversation_id = _int_field(content, "conversation", minimum=1)
        last_seq = _int_field(content, "last_seq", minimum=0)
        if kind == "ping" and len(content) == 1:
            await self._heartbeat()
        elif kind in ("subscribe", "unsubscribe") and conversation_id is not None:
            await self._watch(conversation_id, subscribe=kind == "subscribe")
        elif kind == "catch_up" and last_seq is not None and len(content) == 2:
            self._catch_up(last_seq)
        else:
            await self.close(code=CLOSE_BAD_FRAME)

    async def _watch(self, conversation_id: int, *, subscribe: bool) -> None:
        if not subscribe:
            await self._unwatch(conversation_id)
            await self.send_json({"type": "unsubscribed", "conversation": conversation_id})
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS or not await _may_see(
            self.principal, conversation_id
        ):
            refusal = {"type": "error", "code": "not_found", "conversation": conversation_id}
            await self.send_json(refusal)
            return
        group = conversation_group(self.principal.tenant.pk, conversation_id)
        await self.channel_layer.group_add(group, self.channel_name)
        if group not in self.groups_joined:
            self.groups_joined.append(group)
        self.subscriptions.add(conversation_id)
        await self.send_json({"type": "subscribed", "conversation": conversation_id})

    async def _unwatch(self, conversation_id: int) -> None:
        group = conversation_group(self.principal.tenant.pk, conversation_id)
        await self.channel_layer.group_discard(group, self.channel_name)
        self.subscriptions.discard(conversation_id)
        if group in self.groups_joined:
            self.groups_joined.remove(group)

    async def _heartbeat(self) -> None:
        """Pong; at most every 20 s the agent's presence is kept online."""
        now = time.monotonic()
        if now - self.last_heartbeat >= HEARTBEAT_EVERY_S:
            self.last_heartbeat = now
            await database_sync_to_async(_record_heartbeat)(self.principal)
        await self.send_json({"type": "pong"})

    async def _recheck_every(self, interval_s: float) -> None:
        """Closes the socket once its session or access has ended; else joins its groups
        again (see the module docstring). A failed round (Redis or the database away) is
        tried again at the next one."""
        await asyncio.sleep(interval_s * random.uniform(0.5, 1))  # spread sockets of a restart
        while True:
            try:
                close_code = await database_sync_to_async(_access_ended)(
                    self.principal, self.session_key
                )
                if close_code is not None:
                    await self.close(code=close_code)
                    return
                for group in list(self.groups_joined):
                    await self.channel_layer.group_add(group, self.channel_name)
            except Exception:  # noqa: BLE001 - the socket lives on; the next round retries
                logger.exception("realtime re-check failed")
            await asyncio.sleep(interval_s)

    # --- Catch-up ---------------------------------------------------------------------------

    def _catch_up(self, last_seq: int) -> None:
        """Replays what came after `last_seq` while live pushes wait in the buffer; a request
        while a replay runs is dropped (that replay ends with caught_up)."""
        if self.buffer is None:
            self.buffer = []
            self.replay_task = asyncio.create_task(self._replay(last_seq))

    async def _replay(self, last_seq: int) -> None:
        try:
            upto = await database_sync_to_async(replay_bound)(self.principal, last_seq)
            if upto is None:
                await self.send_json({"type": "resync"})
                self.buffer = None  # the page reloads; until then it hears live pushes
                return
            after, done = last_seq, last_seq >= upto
            while not done:
                page, done = await database_sync_to_async(replay_page)(
                    self.principal, after=after, upto=upto
                )
                for event in page:
                    await self._deliver(event, replayed=True)
                after = page[-1]["seq"] if page else upto
            self.cursor = upto
            while self.buffer:
                await self._deliver(self.buffer.pop(0))
            self.buffer = None
            await self.send_json({"type": "caught_up", "last_seq": upto})
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("realtime catch-up failed")
            await self.close(code=1011)

    # --- Channel layer -> hub ----------------------------------------------------------------

    async def hub_events(self, message):
        for event in message["events"]:
            if self.buffer is not None:
                self.buffer.append(event)
            else:
                await self._deliver(event)

    async def _deliver(self, event: dict, *, replayed: bool = False) -> None:
        """A live event at or below the cursor was in a replay (or is not this socket's); a
        replayed one below it was missed live (a catch-up). Neither is sent twice."""
        seq = event.get("seq")
        if seq is not None:
            below_cursor = self.cursor is not None and seq <= self.cursor
            if (below_cursor and not replayed) or seq in self.recent_set:
                return
            self.recent.append(seq)
            self.recent_set.add(seq)
            if len(self.recent) > RECENT_SEQS:
                self.recent_set.discard(self.recent.popleft())
        await self.send_json(event)
        conversation_id = event.get("conversation")
        if conversation_id in self.subscriptions and not self._sees(event):
            await self._unwatch(conversation_id)  # it left this agent: no more of it

    def _sees(self, event: dict) -> bool:
        if self.principal.can(Scope.CONVERSATIONS_ALL):
            return True
        return event.get("assignee") == self.principal.user.pk or event.get("state") in (
            QUEUE_STATES
        )

    async def hub_revoke(self, message):
        """The session signed out, or the user's access changed (removed, new role, password
        or MFA reset): sign in again."""
        await self.close(
            code=CLOSE_UNAUTHENTICATED if message.get("signed_out") else CLOSE_FORBIDDEN
        )


@database_sync_to_async
def _may_see(principal: Principal, conversation_id: int) -> bool:
    try:
        access_conversation(principal, conversation_id)
    except AppError:  # NotFound for missing / not yours / another company; Forbidden scope
        return False
    return True


def _access_ended(principal: Principal, session_key: str) -> int | None:
    """The close code once the socket's session or access has ended, else None. Read afresh
    (the scope's session is the one read at connect): the session still exists, has not
    expired and still signs in this active user with the same auth hash (password and
    security stamp); it still passes MFA and its company's sign-in; same membership, same role.
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    user = User.objects.filter(pk=principal.user.pk, is_active=True).first()
    if (
        user is None
        or session.get(SESSION_KEY) != str(user.pk)
        or not constant_time_compare(
            session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
        )
    ):
        return CLOSE_UNAUTHENTICATED
    if not mfa.passes_mfa(user, session):
        return CLOSE_FORBIDDEN
    still = Membership.objects.for_tenant(principal.tenant).filter(
        pk=principal.membership.pk, is_active=True, role=principal.role
    )
    return None if still.exists() else CLOSE_FORBIDDEN


def _record_heartbeat(principal: Principal) -> None:
    profile = (
        AgentProfile.objects.for_tenant(principal.tenant)
        .filter(membership=principal.membership)
        .first()
    )
    if profile is not None:
        record_heartbeat(principal.tenant, agent=profile)
