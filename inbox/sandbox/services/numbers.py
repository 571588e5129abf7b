"""The sandbox's business numbers and how a Graph call proves it may use one (Bearer token)."""

import re

from django.db import transaction

from ..errors import GraphApiError
from ..models import SandboxNumber

# The demo number the seed creates; the product's demo Channel uses the same credentials.
DEMO_NUMBER = {
    "phone_number_id": "106540000000001",
    "waba_id": "109876543210123",
    "display_phone_number": "15550001111",
    "verified_name": "Acme Demo",
    "app_secret": "sandbox-demo-app-secret",
    "access_token": "sandbox-demo-access-token",
    "verify_token": "sandbox-demo-verify-token",
}


@transaction.atomic
def ensure_sandbox_number(
    *,
    phone_number_id: str = DEMO_NUMBER["phone_number_id"],
    waba_id: str = DEMO_NUMBER["waba_id"],
    display_phone_number: str = DEMO_NUMBER["display_phone_number"],
    verified_name: str = DEMO_NUMBER["verified_name"],
    app_secret: str = DEMO_NUMBER["app_secret"],
    access_token: str = DEMO_NUMBER["access_token"],
    verify_token: str = DEMO_NUMBER["verify_token"],
    webhook_url: str = "",
    throughput_per_s: int = 80,
) -> SandboxNumber:
    """Creates the number or brings it to these values (idempotent, for seed code)."""
    number, _ = SandboxNumber.objects.update_or_create(
        phone_number_id=phone_number_id,
        defaults={
            "waba_id": waba_id,
            "display_phone_number": display_phone_number,
            "verified_name": verified_name,
            "app_secret": app_secret,
            "access_token": access_token,
            "verify_token": verify_token,
            "webhook_url": webhook_url,
            "throughput_per_s": throughput_per_s,
        },
    )
    return number


def bearer_token(authorization: str | None) -> str:
    match = re.fullmatch(r"\s*Bearer\s+(\S+)\s*", authorization or "", flags=re.IGNORECASE)
    return match.group(1) if match else ""


def authenticate(token: str) -> SandboxNumber:
    """The number whose access token this is, else Graph's 190 / HTTP 401."""
    number = SandboxNumber.objects.filter(access_token=token).first() if token else None
    if number is None:
        raise GraphApiError(190)
    return number


def no_such_object(node_id: str) -> GraphApiError:
    return GraphApiError(
        100,
        f"Unsupported request. Object with ID '{node_id}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation.",
        subcode=33,
    )


def number_for(token: str, phone_number_id: str) -> SandboxNumber:
    number = authenticate(token)
    if number.phone_number_id != phone_number_id:
        raise no_such_object(phone_number_id)
    return number


def waba_for(token: str, waba_id: str) -> SandboxNumber:
    number = authenticate(token)
    if number.waba_id != waba_id:
        raise no_such_object(waba_id)
    return number


def phone_number_fields(number: SandboxNumber) -> dict:
    """`GET /{phone_number_id}` (quality, limits, throughput)."""
    return {
        "id": number.phone_number_id,
        "display_phone_number": number.display_phone_number,
        "verified_name": number.verified_name,
        "quality_rating": "GREEN",
        "whatsapp_business_manager_messaging_limit": "TIER_250",
        "throughput": {"level": "STANDARD"},
        "code_verification_status": "VERIFIED",
    }
