from tests.live_servers import asgi_server, celery_worker  # noqa: F401 - fixtures
