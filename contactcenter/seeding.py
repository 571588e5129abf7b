"""Demo data of the other apps, called by seed_demo (idempotent, never in production)."""

from contactcenter.accounts.models import Membership, Tenant
from routing.models import AgentProfile, AgentSkill, Queue, QueueSkill, RoutingRule, Skill

# Ana and Bruno handle billing, Carla and Diego technical support; everyone speaks Portuguese.
DEMO_SKILLS = {
    "agent1@demo.test": [("billing", 8)],
    "agent2@demo.test": [("billing", 5), ("tech", 4)],
    "agent3@demo.test": [("tech", 9)],
    "agent4@demo.test": [("tech", 6)],
}


def seed_demo_extras(tenant: Tenant) -> None:
    """Queues, skills, agent profiles, routing rules and the sandbox WhatsApp number."""
    skills = {
        name: Skill.objects.get_or_create(tenant=tenant, name=name)[0]
        for name in ("billing", "tech")
    }
    general, _ = Queue.objects.get_or_create(
        tenant=tenant, name="General", defaults={"is_default": True, "sticky_window_s": 3600}
    )
    for name, skill, words in (
        ("Billing", "billing", ["invoice", "boleto", "fatura", "pago"]),
        ("Technical", "tech", ["internet", "error", "erro", "wifi"]),
    ):
        queue, _ = Queue.objects.get_or_create(
            tenant=tenant,
            name=name,
            defaults={"priority": 1, "overflow_after_s": 300, "overflow_queue": general},
        )
        QueueSkill.objects.get_or_create(tenant=tenant, queue=queue, skill=skills[skill])
        RoutingRule.objects.get_or_create(
            tenant=tenant,
            name=f"{name} keywords",
            defaults={"queue": queue, "keywords": words, "position": len(words)},
        )
    for membership in Membership.objects.filter(tenant=tenant, is_active=True).select_related(
        "user"
    ):
        profile, _ = AgentProfile.objects.get_or_create(
            tenant=tenant,
            membership=membership,
            defaults={
                "user": membership.user,
                "languages": ["pt", "en", "es"],
                "channel_capacity": {"whatsapp": 4},
                "max_total": 5,
            },
        )
        for skill, proficiency in DEMO_SKILLS.get(membership.user.email, []):
            AgentSkill.objects.get_or_create(
                tenant=tenant,
                agent=profile,
                skill=skills[skill],
                defaults={"proficiency": proficiency},
            )
