"""ASGI entry: HTTP to Django, websockets to the realtime hub (session auth, origin checked)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from contactcenter import metrics  # noqa: E402
from contactcenter.realtime.consumers import HubConsumer  # noqa: E402
from contactcenter.webhook_asgi import lean_webhooks  # noqa: E402

metrics.forget_dead_processes()  # a web process's start
websocket_urlpatterns = [path("ws/", HubConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": lean_webhooks(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
