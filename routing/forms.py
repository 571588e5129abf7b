"""Forms of the routing admin page; services validate and audit."""

from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import AssignmentMode

LEVELS = [(n, str(n)) for n in range(1, 11)]


class SkillForm(forms.Form):
    name = forms.CharField(label=_("Skill"), max_length=100)


class QueueForm(forms.Form):
    name = forms.CharField(label=_("Queue"), max_length=100)
    priority = forms.IntegerField(label=_("Priority"), initial=0, min_value=-10, max_value=10)
    assignment_mode = forms.ChoiceField(label=_("Assignment"), choices=AssignmentMode.choices)
    skill = forms.ModelChoiceField(label=_("Required skill"), queryset=None, required=False)
    level = forms.TypedChoiceField(label=_("Minimum level"), choices=LEVELS, coerce=int, initial=1)
    is_default = forms.BooleanField(label=_("Default queue"), required=False)

    def __init__(self, *args, skills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = skills


class AgentSkillForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=None)
    level = forms.TypedChoiceField(label=_("Level"), choices=LEVELS, coerce=int, initial=5)
    max_total = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=50)

    def __init__(self, *args, skills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = skills
