"""The baseline of the webhook benchmark: a bare ASGI handler doing the same essential work
(HMAC over the raw body + one INSERT + 200), with no framework at all."""

import hashlib
import hmac
import os

from psycopg_pool import AsyncConnectionPool

SECRET = os.environ.get("BENCH_APP_SECRET", "bench-secret").encode()
pool = AsyncConnectionPool(os.environ["BENCH_DSN"], min_size=2, max_size=8, open=False)


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await pool.open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    header = dict(scope["headers"]).get(b"x-hub-signature-256", b"").decode()
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    status = 200 if hmac.compare_digest(expected, header) else 401
    if status == 200:
        async with pool.connection() as conn:
            await conn.execute("INSERT INTO bench_baseline (body) VALUES (%s)", (body,))
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"OK"})
