"""factory_boy factories shared by every app's tests."""

import factory

from contactcenter.accounts.models import Membership, Role, Tenant, User
from contactcenter.accounts.otp.models import EncryptedTOTPDevice

PASSWORD = "correct-horse-battery-9"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = "Acme"  # colliding names across tenants on purpose


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = "Alice Example"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


def enrol_totp(user: User) -> EncryptedTOTPDevice:
    return EncryptedTOTPDevice.objects.create(user=user, name="test", confirmed=True)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.Channel"

    tenant = factory.SubFactory(TenantFactory)
    name = "Sales"
    waba_id = factory.Sequence(lambda n: f"10{n:08d}")
    phone_number_id = factory.Sequence(lambda n: f"20{n:08d}")
    display_phone_number = "15550001111"
    app_secret = factory.Sequence(lambda n: f"app-secret-{n}")
    access_token = factory.Sequence(lambda n: f"access-token-{n}")
    verify_token = factory.Sequence(lambda n: f"verify-{n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.Contact"

    tenant = factory.SubFactory(TenantFactory)
    name = "Maria <b>Silva</b>"


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.Conversation"

    tenant = factory.SubFactory(TenantFactory)
    channel = factory.SubFactory(ChannelFactory, tenant=factory.SelfAttribute("..tenant"))
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    state = "queued"


# --- routing ---------------------------------------------------------------------------------


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.Skill"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"skill-{n}")


class AgentProfileFactory(factory.django.DjangoModelFactory):
    """An available agent (with a membership and a user) unless told otherwise."""

    class Meta:
        model = "routing.AgentProfile"

    tenant = factory.SubFactory(TenantFactory)
    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    user = factory.SelfAttribute("membership.user")
    presence = "available"
    languages = factory.LazyFunction(lambda: ["en"])
    channel_capacity = factory.LazyFunction(lambda: {"whatsapp": 3})
    max_total = 5


class AgentSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.AgentSkill"

    tenant = factory.SelfAttribute("agent.tenant")
    agent = factory.SubFactory(AgentProfileFactory)
    skill = factory.SubFactory(SkillFactory, tenant=factory.SelfAttribute("..tenant"))
    proficiency = 5


class BusinessHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.BusinessHours"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"hours-{n}")
    weekly = factory.LazyFunction(
        lambda: {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    )


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.Queue"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"queue-{n}")


class QueueSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.QueueSkill"

    tenant = factory.SelfAttribute("queue.tenant")
    queue = factory.SubFactory(QueueFactory)
    skill = factory.SubFactory(SkillFactory, tenant=factory.SelfAttribute("..tenant"))
    min_proficiency = 1


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.RoutingRule"

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"rule-{n}")
    queue = factory.SubFactory(QueueFactory, tenant=factory.SelfAttribute("..tenant"))


class InboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.Message"

    tenant = factory.SelfAttribute("conversation.tenant")
    conversation = factory.SubFactory(ConversationFactory)
    channel = factory.SelfAttribute("conversation.channel")
    direction = "in"
    kind = "text"
    wamid = factory.Sequence(lambda n: f"wamid.routing-{n}")
    text = "Hello"
    status = "received"
