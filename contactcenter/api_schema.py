"""The OpenAPI document's shared answers (drf-spectacular postprocessing hook): every operation
says which errors it can give, all in the one envelope of contactcenter.errors; every answer
carries the RateLimit-* headers and a 429 its Retry-After; every write takes Idempotency-Key."""

WRITES = {"post", "put", "patch", "delete"}

ERROR = {
    "type": "object",
    "description": "Every error of the API has this body.",
    "required": ["code", "message", "extra"],
    "properties": {
        "code": {"type": "string", "description": "Stable, for programs (e.g. `invalid`)."},
        "message": {"type": "string", "description": "For people: what went wrong, what to do."},
        "extra": {
            "type": "object",
            "additionalProperties": True,
            "description": "Details: `fields` (a message list per field) for `invalid`, "
            "`retry_after_s` for `throttled`.",
        },
    },
}

RATE_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window (the tightest of the token's "
    "and the client IP's).",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}

ERRORS = {
    "400": "Invalid input: see `extra.fields`.",
    "401": "No valid credentials.",
    "403": "The token's scopes or the person's role do not allow this.",
    "404": "Not found (the same answer for another company's objects).",
    "409": "Conflict with the current state, or an Idempotency-Key reused with another body "
    "(`idempotency_key_reused`) or still in progress (`idempotency_in_progress`).",
    "429": "Too many requests: wait `Retry-After` seconds.",
}

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Makes a retry safe: the same key with the same body within 24 hours gets "
    "the stored answer (header `Idempotent-Replayed: true`) instead of acting twice. 1 to 255 "
    "visible ASCII characters; per token (or person) and endpoint.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def _header_refs() -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_HEADERS}


def describe_errors(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR
    components.setdefault("headers", {}).update(
        {
            name: {"description": text, "schema": {"type": "integer", "minimum": 0}}
            for name, text in RATE_HEADERS.items()
        }
    )
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {}).update(_header_refs())
            codes = ["400", "401", "403", "429"]
            if "{" in path:
                codes.append("404")
            if method in WRITES:
                codes.append("409")
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            for code in codes:
                responses.setdefault(code, {"description": ERRORS[code], "content": error_body})
            responses["429"]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer", "minimum": 0},
                },
                **_header_refs(),
            }
    return result
