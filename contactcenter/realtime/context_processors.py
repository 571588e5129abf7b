from inbox.selectors import latest_event_seq


def hub(request) -> dict:
    """The page's realtime cursor, taken before the view read its state (HubCursorMiddleware)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {}
    cursor = getattr(request, "hub_cursor", None)
    return {"hub_cursor": latest_event_seq(tenant) if cursor is None else cursor}
