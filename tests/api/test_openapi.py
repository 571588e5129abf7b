"""The OpenAPI document describes what clients get besides success: the one error body, the
429 with its headers, and Idempotency-Key on every write."""

from django.urls import reverse

WRITES = {"post", "put", "patch", "delete"}


def test_every_operation_documents_its_errors_rate_limits_and_idempotency(crm):
    schema = crm.get(reverse("api-schema"), {"format": "json"}).json()

    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "extra"}
    operations = [
        (method, operation)
        for path in schema["paths"].values()
        for method, operation in path.items()
    ]
    assert len(operations) > 20
    for method, operation in operations:
        responses = operation["responses"]
        throttled = responses["429"]
        assert throttled["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
        assert {"Retry-After", "RateLimit-Remaining"} <= set(throttled["headers"])
        ok = next(r for status, r in responses.items() if status.startswith("2"))
        assert "RateLimit-Limit" in ok["headers"]
        keys = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert bool(keys) == (method in WRITES), operation["operationId"]
