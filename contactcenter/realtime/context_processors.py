from inbox.selectors import latest_event_seq


def hub(request) -> dict:
    """The page's realtime cursor, taken before the page reads its state (see hub.js)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {}
    return {"hub_cursor": latest_event_seq(tenant)}
