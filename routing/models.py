"""Skills, agent presence and capacity, business hours, queues, routing rules, the waiting work
(queue entries) and offers.

Every deadline (offer expiry, overflow, maximum wait) is a column swept by beat, so a restart
loses none. Every unique constraint and hot index starts with `tenant`.
"""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.accounts.models import Membership, TenantScopedModel

PROFICIENCY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(10)]


class Skill(TenantScopedModel):
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="skill_unique_name")]

    def __str__(self) -> str:
        return self.name


class Presence(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentProfile(TenantScopedModel):
    """Routing facts of one membership. Its row lock is the capacity guard: whoever gives the
    agent work holds it (locked in primary-key order) and recounts the agent's load inside."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="agent_profile"
    )
    # Denormalised from the membership: Conversation.assignee is a user.
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # Slots per channel kind, e.g. {"whatsapp": 4}; a kind not named is bounded by max_total only.
    channel_capacity = models.JSONField(default=dict, blank=True)
    max_total = models.PositiveSmallIntegerField(default=5)
    presence = models.CharField(max_length=16, choices=Presence.choices, default=Presence.OFFLINE)
    presence_since = models.DateTimeField(default=timezone.now)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Moved to "now" whenever the agent becomes available, takes work or is freed of some: the
    # oldest value is the agent idle longest (TaskRouter's "longest unoccupied").
    idle_since = models.DateTimeField(default=timezone.now)
    skills = models.ManyToManyField(Skill, through="AgentSkill", related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="agent_profile_unique_user"),
        ]
        indexes = [
            models.Index(fields=["tenant", "presence", "idle_since"]),
            models.Index(
                fields=["last_heartbeat_at"],
                condition=~Q(presence="offline"),
                name="agent_profile_online_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"agent {self.user_id} ({self.presence})"


class AgentSkill(TenantScopedModel):
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="agent_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_skills")
    proficiency = models.PositiveSmallIntegerField(default=5, validators=PROFICIENCY_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "agent", "skill"], name="agent_skill_unique_skill"
            ),
            models.CheckConstraint(
                condition=Q(proficiency__gte=1, proficiency__lte=10),
                name="agent_skill_proficiency_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}@{self.proficiency}"


class BusinessHours(TenantScopedModel):
    """Weekly opening ranges in local time, e.g. {"mon": [["09:00", "18:00"]], "sat": []}.

    Days are mon..sun; a day missing or empty is closed; "24:00" ends a day; split shifts are
    several ranges. `time_zone` empty means the tenant's.
    """

    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, blank=True)
    weekly = models.JSONField(default=dict, blank=True)
    holidays = ArrayField(models.DateField(), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="business_hours_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentMode(models.TextChoices):
    AUTO = "auto", _("Assign at once")
    OFFER = "offer", _("Offer, the agent accepts")


class MaxWaitAction(models.TextChoices):
    KEEP = "keep", _("Keep waiting")
    MESSAGE = "message", _("Send a message")
    CLOSE = "close", _("Close the conversation")


class Queue(TenantScopedModel):
    name = models.CharField(max_length=100)
    priority = models.SmallIntegerField(default=0, help_text=_("Higher is served first"))
    skills = models.ManyToManyField(Skill, through="QueueSkill", related_name="+")
    # Non-empty: the agent must speak the contact's language (or one of these when unknown).
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    assignment_mode = models.CharField(
        max_length=8, choices=AssignmentMode.choices, default=AssignmentMode.AUTO
    )
    offer_timeout_s = models.PositiveIntegerField(default=30)
    overflow_after_s = models.PositiveIntegerField(null=True, blank=True)
    overflow_queue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # At the overflow deadline, required skills accept this proficiency instead (a first step).
    relaxed_min_proficiency = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=PROFICIENCY_VALIDATORS
    )
    max_wait_s = models.PositiveIntegerField(null=True, blank=True)
    max_wait_action = models.CharField(
        max_length=8, choices=MaxWaitAction.choices, default=MaxWaitAction.KEEP
    )
    business_hours = models.ForeignKey(
        BusinessHours, on_delete=models.SET_NULL, null=True, blank=True, related_name="queues"
    )
    requeue_on_offline = models.BooleanField(default=True)
    # Off: the engine's order (priority, skills, longest idle) is the only way in; on, an agent
    # may also take a waiting conversation from the Queue tab.
    agents_may_take = models.BooleanField(
        default=False, help_text=_("Agents may take waiting conversations themselves")
    )
    sticky_window_s = models.PositiveIntegerField(default=0)
    # First-response target: the clock runs from the conversation's opening (see inbox.sla).
    sla_first_response_s = models.PositiveIntegerField(null=True, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="queue_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="queue_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QueueSkill(TenantScopedModel):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="queue_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="queue_skills")
    min_proficiency = models.PositiveSmallIntegerField(default=1, validators=PROFICIENCY_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "queue", "skill"], name="queue_skill_unique_skill"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}>={self.min_proficiency}"


class RoutingRule(TenantScopedModel):
    """Conditions (all set ones must hold; an empty one matches anything) → actions.

    Rules are tried by `position`, first match wins (Twilio workflow filters, Zendesk queues).
    `contact_attributes` is {"tier": ["gold", "platinum"]}: every key must hold one of its values.
    """

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    channel_kinds = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    contact_attributes = models.JSONField(default=dict, blank=True)
    keywords = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    motives = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="rules")
    priority = models.SmallIntegerField(null=True, blank=True, help_text=_("Else the queue's"))
    labels = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "position"])]

    def __str__(self) -> str:
        return self.name


class EntryState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    ASSIGNED = "assigned", _("Assigned")
    ABANDONED = "abandoned", _("Left the queue unanswered")


ACTIVE_ENTRY_STATES = [EntryState.WAITING, EntryState.OFFERED]


class QueueEntry(TenantScopedModel):
    """One conversation's wait in a queue; at most one waiting or offered entry per conversation.

    `agent` is who got it; `released_at` when they stopped holding it (resolved, transferred):
    both feed the sticky-agent choice of the contact's next conversation.
    """

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="queue_entries"
    )
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="entries")
    priority = models.SmallIntegerField(default=0)
    entered_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=EntryState.choices, default=EntryState.WAITING)
    rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    labels = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    min_proficiency_override = models.PositiveSmallIntegerField(null=True, blank=True)
    overflow_at = models.DateTimeField(null=True, blank=True)
    max_wait_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        AgentProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "conversation"],
                condition=Q(state__in=["waiting", "offered"]),
                name="queue_entry_one_active_per_conversation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "-priority", "entered_at"],
                condition=Q(state="waiting"),
                name="queue_entry_waiting_idx",
            ),
            models.Index(
                fields=["overflow_at"],
                condition=Q(state="waiting", overflow_at__isnull=False),
                name="queue_entry_overflow_idx",
            ),
            models.Index(
                fields=["max_wait_at"],
                condition=Q(state="waiting", max_wait_at__isnull=False),
                name="queue_entry_max_wait_idx",
            ),
            models.Index(fields=["tenant", "conversation", "-entered_at"]),
            models.Index(fields=["tenant", "agent", "-assigned_at"]),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} ({self.state})"


class OfferState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Offer(TenantScopedModel):
    """A reservation of one agent slot for one conversation until `expires_at`."""

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="offers"
    )
    entry = models.ForeignKey(QueueEntry, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="offers")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=OfferState.choices, default=OfferState.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "conversation"],
                condition=Q(state="pending"),
                name="offer_one_pending_per_conversation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(state="pending"), name="offer_pending_idx"
            ),
            models.Index(fields=["tenant", "agent", "state"]),
            models.Index(fields=["tenant", "entry", "state"]),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} ({self.state})"


class PresenceChange(TenantScopedModel):
    """Append-only log of an agent's presence, for occupancy reports (time in each state)."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="+")
    presence = models.CharField(max_length=16, choices=Presence.choices)
    previous = models.CharField(max_length=16, choices=Presence.choices)
    previous_duration_s = models.PositiveIntegerField()
    reason = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "agent", "at"])]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.previous} → {self.presence}"
