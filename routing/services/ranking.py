"""Agent load and ranking, in SQL.

An agent's slots are held by their open conversations (snoozed ones come back to them) and the
offers they have not answered yet. The ranking and the check made under the agent's lock share
the fragments below (what holds a slot, what room is), so they can never disagree.

The ranking runs for every conversation that waits, over every available agent of the tenant:
PostgreSQL filters and orders them and returns the best few, so no row per agent, skill or held
conversation crosses into Python.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection

from inbox.models import ConversationState
from routing.models import OfferState, Presence

# Conversations that hold one of the agent's slots.
LOAD_STATES = [ConversationState.ASSIGNED, ConversationState.PENDING, ConversationState.SNOOZED]

# One row (the channel kind) per slot that agent `a` holds.
_HELD_SLOTS = """
    SELECT ch.kind
      FROM inbox_conversation c
      JOIN inbox_channel ch ON ch.id = c.channel_id
     WHERE c.tenant_id = a.tenant_id AND c.assignee_id = a.user_id
       AND c.state = ANY(%(load_states)s)
    UNION ALL
    SELECT ch.kind
      FROM routing_offer o
      JOIN inbox_conversation c ON c.id = o.conversation_id
      JOIN inbox_channel ch ON ch.id = c.channel_id
     WHERE o.tenant_id = a.tenant_id AND o.agent_id = a.id AND o.state = %(pending)s
"""

# The slots agent `a` holds: in all, and of the channel kind %(kind)s.
_LOAD = f"""
    CROSS JOIN LATERAL (
        SELECT count(*) AS total, count(*) FILTER (WHERE held.kind = %(kind)s) AS of_kind
          FROM ({_HELD_SLOTS}) held
    ) load
"""  # noqa: S608 - constant fragments; every value is a parameter

# Agent `a` has a free slot for the channel kind and in total (a kind its channel_capacity does
# not name is bounded by max_total only).
_HAS_ROOM = """
    load.total < a.max_total
    AND load.of_kind < coalesce((a.channel_capacity ->> %(kind)s)::int, a.max_total)
"""

_ROOM = f"SELECT {_HAS_ROOM} FROM routing_agentprofile a {_LOAD} WHERE a.id = %(agent)s"  # noqa: S608

_LOADS = f"""
    SELECT a.id, held.kind, count(*)
      FROM routing_agentprofile a
     CROSS JOIN LATERAL ({_HELD_SLOTS}) held
     WHERE a.tenant_id = %(tenant)s AND a.id = ANY(%(agents)s)
     GROUP BY a.id, held.kind
"""  # noqa: S608 - constant fragments; every value is a parameter

# Eligible: available, not excluded, every skill the queue requires at its minimum (lowered to
# the entry's relaxed minimum after overflow), a language when the queue asks for one, a free
# slot for the channel kind and in total. Best first: the preferred (sticky) agent, then the
# best sum of the required skills' proficiencies, then idle longest.
# Agents are put in that order before their load is counted, so PostgreSQL counts the load of
# the first few only, down the order until `limit` of them have room.
_RANKED = f"""
    WITH required AS (
        SELECT skill_id, least(min_proficiency, coalesce(%(relaxed)s, min_proficiency)) AS minimum
          FROM routing_queueskill
         WHERE tenant_id = %(tenant)s AND queue_id = %(queue)s
    )
    SELECT a.id
      FROM (
            SELECT a.id, a.tenant_id, a.user_id, a.max_total, a.channel_capacity,
                   a.id = %(preferred)s AS preferred, skill.score, a.idle_since
              FROM routing_agentprofile a
             CROSS JOIN LATERAL (
                    SELECT count(*) AS matched, coalesce(sum(s.proficiency), 0) AS score
                      FROM routing_agentskill s
                      JOIN required r ON r.skill_id = s.skill_id
                     WHERE s.agent_id = a.id AND s.proficiency >= r.minimum
                   ) skill
             WHERE a.tenant_id = %(tenant)s AND a.presence = %(available)s
               AND a.id <> ALL(%(excluded)s::bigint[])
               AND skill.matched = (SELECT count(*) FROM required)
               AND (%(languages)s::varchar[] IS NULL OR a.languages && %(languages)s::varchar[])
             ORDER BY preferred DESC, skill.score DESC, a.idle_since, a.id
           ) a
     {_LOAD}
     WHERE {_HAS_ROOM}
     ORDER BY a.preferred DESC, a.score DESC, a.idle_since, a.id
     LIMIT %(limit)s
"""  # noqa: S608 - constant fragments; every value is a parameter


@dataclass
class Load:
    total: int = 0
    by_kind: Counter = field(default_factory=Counter)

    def add(self, kind: str, n: int = 1) -> None:
        self.total += n
        self.by_kind[kind] += n


def has_room(agent_id: int, channel_kind: str) -> bool:
    """Whether the agent has a free slot for the channel kind and in total. Call it while
    holding the agent's row lock: then nobody else can take the slot."""
    with connection.cursor() as cursor:
        cursor.execute(_ROOM, {**_slot_params(), "kind": channel_kind, "agent": agent_id})
        return cursor.fetchone()[0]


def loads_for(tenant, agents: list) -> dict[int, Load]:
    """Slots held by each agent, per channel kind (what a supervisor sees)."""
    loads = {agent.pk: Load() for agent in agents}
    with connection.cursor() as cursor:
        cursor.execute(_LOADS, {**_slot_params(), "tenant": tenant.pk, "agents": list(loads)})
        for agent_id, kind, n in cursor.fetchall():
            loads[agent_id].add(kind, n)
    return loads


def ranked_agents(
    tenant_id: int,
    *,
    kind: str,
    queue_id: int,
    relaxed: int | None,
    languages: list[str] | None,
    excluded: set[int],
    preferred: int | None,
    limit: int,
) -> list[int]:
    """Ids of the best eligible agents, best first, read without locks (a hint: whoever gives
    one of them work locks them and recounts). `relaxed` lowers the queue's minimum
    proficiencies (overflow); `languages`, when not None, are those of which the agent must
    speak one."""
    with connection.cursor() as cursor:
        cursor.execute(
            _RANKED,
            {
                **_slot_params(),
                "tenant": tenant_id,
                "kind": kind,
                "queue": queue_id,
                "relaxed": relaxed,
                "languages": languages,
                "available": Presence.AVAILABLE,
                "excluded": sorted(excluded),
                "preferred": preferred or 0,  # never NULL: it would hide the presorted order
                "limit": limit,
            },
        )
        return [agent_id for (agent_id,) in cursor.fetchall()]


def _slot_params() -> dict:
    return {"load_states": [str(state) for state in LOAD_STATES], "pending": OfferState.PENDING}
