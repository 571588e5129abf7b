"""Forms of the admin pages (people, tokens, audit filters, company settings)."""

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Role, Tenant
from .permissions import TOKEN_GRANTABLE_SCOPES


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system uses it."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(s, s) for s in sorted(TOKEN_GRANTABLE_SCOPES)],
        widget=forms.CheckboxSelectMultiple,
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=64)
    actor = forms.IntegerField(required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class TenantSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=[(z, z) for z in sorted(available_timezones())])
    default_language = forms.ChoiceField(choices=settings.LANGUAGES)

    class Meta:
        model = Tenant
        fields = ["name", "time_zone", "default_language", "require_mfa", "csat_survey"]
