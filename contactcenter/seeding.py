"""Demo data of the other apps, called by seed_demo (idempotent, never in production)."""

from django.conf import settings

from contactcenter.accounts.models import Membership, Tenant
from inbox.channels.whatsapp.message_templates import read_template
from inbox.models import CannedResponse, Channel, Label
from inbox.sandbox.models import SandboxTemplate
from inbox.sandbox.services.numbers import DEMO_NUMBER, ensure_sandbox_number
from routing.models import AgentProfile, AgentSkill, Queue, QueueSkill, RoutingRule, Skill
from templates_hsm.services import store_template

# Approved in the sandbox from the start, so a closed 24-hour window can be tried at once.
DEMO_TEMPLATES = [
    ("order_update", "pt_BR", "UTILITY", "Olá {{1}}! Seu pedido {{2}} foi atualizado: {{3}}."),
    ("follow_up", "en_US", "UTILITY", "Hi {{1}}, we are following up on your request. Reply here."),
    ("seguimiento", "es", "UTILITY", "Hola {{1}}, seguimos con tu consulta. Responde aquí."),
]

# Ana and Bruno handle billing, Carla and Diego technical support; everyone speaks Portuguese.
DEMO_SKILLS = {
    "agent1@demo.test": [("billing", 8)],
    "agent2@demo.test": [("billing", 5), ("tech", 4)],
    "agent3@demo.test": [("tech", 9)],
    "agent4@demo.test": [("tech", 6)],
}


DEMO_LABELS = [("VIP", "purple"), ("Billing", "blue"), ("Refund", "red"), ("Bug", "orange")]
DEMO_CANNED = [
    (
        "hello",
        "Greeting",
        "Olá {{ contact.first_name }}! Aqui é {{ agent.first_name }}, da "
        "{{ company.name }}. Como posso ajudar?",
    ),
    ("order", "Ask for the order number", "Pode me passar o número do seu pedido, por favor?"),
    (
        "bye",
        "Closing",
        "Obrigado pelo contato, {{ contact.first_name }}! Qualquer coisa, é só escrever aqui.",
    ),
]


def seed_demo_extras(tenant: Tenant) -> None:
    """Queues, skills, agent profiles, routing rules, labels, saved replies and the sandbox
    WhatsApp number; the satisfaction survey is on."""
    _seed_whatsapp(tenant)
    _seed_routing(tenant)
    for name, color in DEMO_LABELS:
        Label.objects.get_or_create(tenant=tenant, name=name, defaults={"color": color})
    for shortcut, title, body in DEMO_CANNED:
        CannedResponse.objects.get_or_create(
            tenant=tenant, shortcut=shortcut, defaults={"title": title, "body": body}
        )
    Tenant.objects.filter(pk=tenant.pk).update(csat_survey=True)


def _seed_whatsapp(tenant: Tenant) -> None:
    """The demo number exists twice, as at Meta: in the sandbox and as our channel."""
    if settings.SANDBOX_ENABLED:
        ensure_sandbox_number(webhook_url=settings.SANDBOX_WEBHOOK_URL)
    Channel.objects.update_or_create(
        phone_number_id=DEMO_NUMBER["phone_number_id"],
        defaults={
            "tenant": tenant,
            "name": "WhatsApp Demo",
            "waba_id": DEMO_NUMBER["waba_id"],
            "display_phone_number": DEMO_NUMBER["display_phone_number"],
            "verified_name": DEMO_NUMBER["verified_name"],
            "app_secret": DEMO_NUMBER["app_secret"],
            "access_token": DEMO_NUMBER["access_token"],
            "verify_token": DEMO_NUMBER["verify_token"],
            "quality_rating": "GREEN",
            "messaging_limit_tier": "TIER_1K",
        },
    )
    for number, (name, language, category, text) in enumerate(DEMO_TEMPLATES, start=1):
        # As Meta lists it: the sandbox keeps it so, and our copy is read from it.
        listed = {
            "id": str(900000 + number),
            "name": name,
            "language": language,
            "category": category,
            "status": "APPROVED",
            "components": [{"type": "BODY", "text": text}],
        }
        if settings.SANDBOX_ENABLED:
            SandboxTemplate.objects.update_or_create(
                waba_id=DEMO_NUMBER["waba_id"],
                name=name,
                language=language,
                defaults={
                    "graph_id": 900000 + number,
                    "category": category,
                    "status": "APPROVED",
                    "components": listed["components"],
                },
            )
        store_template(tenant, waba_id=DEMO_NUMBER["waba_id"], info=read_template(listed))


def _seed_routing(tenant: Tenant) -> None:
    skills = {
        name: Skill.objects.get_or_create(tenant=tenant, name=name)[0]
        for name in ("billing", "tech")
    }
    general, _ = Queue.objects.get_or_create(
        tenant=tenant,
        name="General",
        defaults={"is_default": True, "sticky_window_s": 3600, "sla_first_response_s": 300},
    )
    for name, skill, words in (
        ("Billing", "billing", ["invoice", "boleto", "fatura", "pago"]),
        ("Technical", "tech", ["internet", "error", "erro", "wifi"]),
    ):
        queue, _ = Queue.objects.get_or_create(
            tenant=tenant,
            name=name,
            defaults={
                "priority": 1,
                "overflow_after_s": 300,
                "overflow_queue": general,
                "sla_first_response_s": 120,
            },
        )
        QueueSkill.objects.get_or_create(tenant=tenant, queue=queue, skill=skills[skill])
        RoutingRule.objects.get_or_create(
            tenant=tenant,
            name=f"{name} keywords",
            defaults={
                "queue": queue,
                "keywords": words,
                "position": len(words),
                "labels": ["Billing"] if skill == "billing" else [],
            },
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
