"""Channels group names; built only on the server, never taken from a client."""

import hashlib


def agent_group(tenant_id: int, user_id: int) -> str:
    return f"t{tenant_id}.agent.{user_id}"


def supervisor_group(tenant_id: int) -> str:
    return f"t{tenant_id}.supervisors"


def queue_group(tenant_id: int) -> str:
    """Every member: conversations waiting in a queue or with the bot (the Queue tab)."""
    return f"t{tenant_id}.queue"


def conversation_group(tenant_id: int, conversation_id: int) -> str:
    return f"t{tenant_id}.conversation.{conversation_id}"


def user_group(tenant_id: int, user_id: int) -> str:
    """Control messages for all of a user's sockets in a company (revocation)."""
    return f"t{tenant_id}.user.{user_id}"


def session_group(session_key: str) -> str:
    """Every socket of one browser session (signed out together). A digest: the session key
    is a credential and group names are plain Redis keys."""
    return f"session.{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"
