from inbox.selectors import latest_event_seq


class HubCursorMiddleware:
    """Takes a page's realtime cursor before its view reads any state (the Zulip rule): an event
    that commits while the page renders is then newer than the cursor and reaches the tab."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        tenant = getattr(request, "tenant", None)
        if request.method == "GET" and tenant is not None and not request.headers.get("HX-Request"):
            request.hub_cursor = latest_event_seq(tenant)
