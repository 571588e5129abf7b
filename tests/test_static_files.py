"""Static files are served by the app itself (ServeStatic), asynchronously under ASGI."""

import warnings

from django.test import AsyncClient


async def test_a_static_file_is_served_with_its_type_and_caching_headers():
    client = AsyncClient()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = await client.get("/static/cc/hub.js")
        body = b"".join([chunk async for chunk in response.streaming_content])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "Cache-Control" in response
    assert b"WebSocket" in body
    assert not [w for w in caught if "synchronous iterators" in str(w.message)]


async def test_a_missing_static_file_is_a_404_not_an_error_page():
    response = await AsyncClient().get("/static/cc/no-such-file.js")
    assert response.status_code == 404
