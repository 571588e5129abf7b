"""Channels group names; built only on the server, never taken from a client."""


def agent_group(tenant_id: int, user_id: int) -> str:
    return f"t{tenant_id}.agent.{user_id}"


def supervisor_group(tenant_id: int) -> str:
    return f"t{tenant_id}.supervisors"


def conversation_group(tenant_id: int, conversation_id: int) -> str:
    return f"t{tenant_id}.conversation.{conversation_id}"
