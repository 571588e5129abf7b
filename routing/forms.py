"""Forms of routing's pages (the admin pages, the agent's presence and transfers). They turn
text into values (lists, ranges, levels); the services check the rules and write, so the pages
and the API answer the same."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from inbox.models import ChannelKind
from routing import selectors
from routing.models import AgentProfile, AssignmentMode, MaxWaitAction, Presence, Queue
from routing.services.hours import DAYS

LEVELS = [("", "—"), *((n, str(n)) for n in range(1, 11))]
DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
RANGE = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")


class ListField(forms.CharField):
    """Comma-separated words as a list (an empty field is an empty list)."""

    def __init__(self, *, lower: bool = False, **kwargs):
        self.lower = lower
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        words = [w.strip() for w in (value or "").split(",") if w.strip()]
        return [w.lower() for w in words] if self.lower else words


class SkillLevelsMixin:
    """One "level" select per skill of the company (`skill_<id>`, empty = not needed)."""

    def add_skill_fields(self, skills, levels: dict[int, int], help_text: str) -> None:
        self.skill_rows = []
        for skill in skills:
            name = f"skill_{skill.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=skill.name,
                choices=LEVELS,
                coerce=int,
                empty_value=None,
                required=False,
                initial=levels.get(skill.pk),
                help_text=help_text,
            )
            self.skill_rows.append((skill, name))

    def skill_levels(self) -> list:
        rows = [(skill, self.cleaned_data.get(name)) for skill, name in self.skill_rows]
        return [(skill, level) for skill, level in rows if level is not None]

    def skill_fields(self):
        return [self[name] for _skill, name in self.skill_rows]


class SkillForm(forms.Form):
    name = forms.CharField(label=_("Skill"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class QueueForm(SkillLevelsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    priority = forms.IntegerField(
        label=_("Priority"), initial=0, min_value=-100, max_value=100, help_text=_("Higher first.")
    )
    assignment_mode = forms.ChoiceField(label=_("Assignment"), choices=AssignmentMode.choices)
    offer_timeout_s = forms.IntegerField(label=_("Offer timeout (seconds)"), initial=30)
    languages = ListField(
        label=_("Languages"), lower=True, help_text=_("Comma-separated, e.g. en, pt. Empty: any.")
    )
    business_hours = forms.ModelChoiceField(
        label=_("Business hours"), queryset=None, required=False, empty_label=_("Always open")
    )
    overflow_after_s = forms.IntegerField(
        label=_("Overflow after (seconds)"), required=False, min_value=0
    )
    overflow_queue = forms.ModelChoiceField(
        label=_("Overflow to queue"), queryset=None, required=False
    )
    relaxed_min_proficiency = forms.TypedChoiceField(
        label=_("At overflow, accept skill level"),
        choices=LEVELS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    max_wait_s = forms.IntegerField(label=_("Maximum wait (seconds)"), required=False, min_value=0)
    max_wait_action = forms.ChoiceField(label=_("At maximum wait"), choices=MaxWaitAction.choices)
    sticky_window_s = forms.IntegerField(
        label=_("Sticky agent window (seconds)"),
        initial=0,
        min_value=0,
        help_text=_("A returning contact goes back to their last agent within this time."),
    )
    sla_first_response_s = forms.IntegerField(
        label=_("First-response target (seconds)"),
        required=False,
        min_value=1,
        # xgettext:no-python-format
        help_text=_("The SLA: conversations show at risk at 80% of it and breached after it."),
    )
    requeue_on_offline = forms.BooleanField(
        label=_("Requeue when the agent goes offline"), required=False, initial=True
    )
    agents_may_take = forms.BooleanField(
        label=_("Agents may take waiting conversations"),
        required=False,
        help_text=_("Off: conversations reach agents only in the queue's order."),
    )
    is_default = forms.BooleanField(
        label=_("Default queue"),
        required=False,
        help_text=_("Conversations no rule matches go here; it replaces the current default."),
    )

    SETTINGS = (
        "name",
        "priority",
        "assignment_mode",
        "offer_timeout_s",
        "languages",
        "business_hours",
        "overflow_after_s",
        "overflow_queue",
        "relaxed_min_proficiency",
        "max_wait_s",
        "max_wait_action",
        "sticky_window_s",
        "sla_first_response_s",
        "requeue_on_offline",
        "agents_may_take",
        "is_default",
    )

    def __init__(self, *args, skills, queues, hours, queue=None, **kwargs):
        if queue is not None:
            kwargs["initial"] = {name: getattr(queue, name) for name in self.SETTINGS}
        super().__init__(*args, **kwargs)
        self.fields["overflow_queue"].queryset = queues.exclude(pk=getattr(queue, "pk", None))
        self.fields["business_hours"].queryset = hours
        levels = (
            {qs.skill_id: qs.min_proficiency for qs in queue.queue_skills.all()} if queue else {}
        )
        self.add_skill_fields(skills, levels, _("Minimum level; — means not required."))

    def settings(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SETTINGS}

    def setting_fields(self):
        return [self[name] for name in self.SETTINGS]


class AgentProfileForm(SkillLevelsMixin, forms.Form):
    languages = ListField(label=_("Languages"), lower=True, help_text=_("e.g. en, pt"))
    max_total = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        max_value=1000,
        help_text=_("Conversations at once, over all channels."),
    )

    def __init__(self, *args, agent, skills, **kwargs):
        kwargs["initial"] = {"languages": agent.languages, "max_total": agent.max_total}
        for kind in ChannelKind.values:
            kwargs["initial"][f"capacity_{kind}"] = agent.channel_capacity.get(kind)
        super().__init__(*args, **kwargs)
        for kind, label in ChannelKind.choices:
            self.fields[f"capacity_{kind}"] = forms.IntegerField(
                label=_("%(channel)s slots") % {"channel": label},
                required=False,
                help_text=_("Empty: up to the capacity."),
            )
        levels = {s.skill_id: s.proficiency for s in agent.agent_skills.all()}
        self.add_skill_fields(skills, levels, _("Proficiency 1–10; — means not skilled."))

    def changes(self) -> dict:
        capacity = {
            kind: self.cleaned_data[f"capacity_{kind}"]
            for kind in ChannelKind.values
            if self.cleaned_data[f"capacity_{kind}"] is not None
        }
        return {
            "languages": self.cleaned_data["languages"],
            "max_total": self.cleaned_data["max_total"],
            "channel_capacity": capacity,
            "skills": self.skill_levels(),
        }


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    queue = forms.ModelChoiceField(label=_("Send to queue"), queryset=None)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    keywords = ListField(label=_("Message contains any of"), lower=True)
    languages = ListField(label=_("Contact language is one of"), lower=True)
    channel_kinds = ListField(label=_("Channel is one of"), lower=True, help_text="whatsapp")
    motives = ListField(label=_("Motive is one of"))
    contact_attributes = forms.CharField(
        label=_("Contact attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: name=value1, value2 (every line must hold)."),
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        required=False,
        min_value=-100,
        max_value=100,
        help_text=_("Empty: the queue's."),
    )
    labels = ListField(label=_("Add labels"))

    FIELDS = (
        "name",
        "queue",
        "is_active",
        "keywords",
        "languages",
        "channel_kinds",
        "motives",
        "contact_attributes",
        "priority",
        "labels",
    )

    def __init__(self, *args, queues, rule=None, **kwargs):
        if rule is not None:
            kwargs["initial"] = {name: getattr(rule, name) for name in self.FIELDS}
            kwargs["initial"]["contact_attributes"] = "\n".join(
                f"{key}={', '.join(values)}" for key, values in rule.contact_attributes.items()
            )
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues

    def clean_contact_attributes(self) -> dict:
        attributes = {}
        for line in self.cleaned_data["contact_attributes"].splitlines():
            if not line.strip():
                continue
            key, sep, values = line.partition("=")
            words = [v.strip() for v in values.split(",") if v.strip()]
            if not sep or not key.strip() or not words:
                raise forms.ValidationError(
                    _("Write each attribute as name=value1, value2 (got “%(line)s”).")
                    % {"line": line.strip()}
                )
            attributes[key.strip()] = words
        return attributes

    def settings(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class BusinessHoursForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("e.g. America/Sao_Paulo; empty: the company's."),
    )
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        help_text=_("Closed all day: dates like 2026-12-25, comma-separated."),
    )

    def __init__(self, *args, hours=None, **kwargs):
        if hours is not None:
            kwargs["initial"] = {
                "name": hours.name,
                "time_zone": hours.time_zone,
                "holidays": ", ".join(d.isoformat() for d in hours.holidays),
                **{day: ", ".join("-".join(r) for r in hours.weekly.get(day, [])) for day in DAYS},
            }
        super().__init__(*args, **kwargs)
        for day in DAYS:
            self.fields[day] = forms.CharField(
                label=DAY_LABELS[day],
                required=False,
                help_text=_("HH:MM-HH:MM, comma-separated; empty: closed."),
            )

    def day_fields(self):
        return [self[day] for day in DAYS]

    def clean(self):
        data = super().clean()
        weekly = {}
        for day in DAYS:
            ranges = []
            for part in (data.get(day) or "").split(","):
                if not part.strip():
                    continue
                match = RANGE.match(part.strip())
                if match is None:
                    self.add_error(
                        day,
                        _("Write opening hours as HH:MM-HH:MM, e.g. 09:00-18:00 (got “%(v)s”).")
                        % {"v": part.strip()},
                    )
                    break
                ranges.append([t.zfill(5) for t in match.groups()])
            if ranges:
                weekly[day] = ranges
        data["weekly"] = weekly
        data["holidays"] = [d.strip() for d in (data.get("holidays") or "").split(",") if d.strip()]
        return data

    def values(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "time_zone", "weekly", "holidays")}


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(choices=Presence.choices)


class TransferForm(forms.Form):
    """To a colleague or to a queue (one of the two), with a note for whoever picks it up."""

    agent = forms.ModelChoiceField(queryset=AgentProfile.objects.none(), required=False)
    queue = forms.ModelChoiceField(queryset=Queue.objects.none(), required=False)
    note = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = selectors.transfer_agents(tenant)
        self.fields["queue"].queryset = selectors.transfer_queues(tenant)

    def clean(self):
        data = super().clean()
        if bool(data.get("agent")) == bool(data.get("queue")):
            raise forms.ValidationError(_("Choose a colleague or a queue to transfer to."))
        return data

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
