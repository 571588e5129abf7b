"""factory_boy factories shared by every app's tests."""

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from contactcenter.accounts.models import Membership, Role, Tenant, User

PASSWORD = "correct-horse-battery-9"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = "Acme"  # colliding names across tenants on purpose


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = "Alice Example"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


def enrol_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)
