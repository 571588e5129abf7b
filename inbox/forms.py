"""Forms of the inbox admin pages; they only shape input, services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inbox.models import Channel, Consent, LabelColor

CHANNEL_FIELDS = (
    "name",
    "waba_id",
    "phone_number_id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "messaging_limit_tier",
    "throughput_mps",
    "is_active",
)


class ChannelForm(forms.ModelForm):
    """Secrets are write-only: the form never renders them, an empty field keeps them."""

    app_secret = forms.CharField(
        label=_("App secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Meta App Dashboard › App settings › Basic. Leave empty to keep it."),
    )
    access_token = forms.CharField(
        label=_("Access token"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("A system user token with whatsapp_business_messaging. Empty keeps it."),
    )

    class Meta:
        model = Channel
        fields = CHANNEL_FIELDS
        error_messages = {
            "phone_number_id": {
                "unique": _(
                    "This phone number id is already connected (here or in another company)."
                )
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["phone_number_id"].disabled = True

    def changes(self) -> dict:
        """Only what the admin changed (secrets when typed), for the service and the audit."""
        data = {k: self.cleaned_data[k] for k in self.changed_data if k in CHANNEL_FIELDS}
        for secret in ("app_secret", "access_token"):
            if self.cleaned_data.get(secret):
                data[secret] = self.cleaned_data[secret]
        return data

    def all_values(self) -> dict:
        data = {k: self.cleaned_data[k] for k in CHANNEL_FIELDS}
        data.update(app_secret=self.cleaned_data["app_secret"])
        data.update(access_token=self.cleaned_data["access_token"])
        return data


class ReplyForm(forms.Form):
    """The composer: text, or a file with an optional caption."""

    text = forms.CharField(
        required=False, max_length=4096, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("text", "").strip() and not data.get("attachment"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        return data


class NoteForm(forms.Form):
    text = forms.CharField(max_length=4096, widget=forms.Textarea(attrs={"rows": 2}))
    whisper = forms.BooleanField(required=False)


class LabelChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])
    label = forms.IntegerField()


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(choices=[(Consent.OPTED_IN, ""), (Consent.OPTED_OUT, "")])
    source = forms.CharField(max_length=200)


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    color = forms.ChoiceField(label=_("Colour"), choices=LabelColor.choices)


class CannedResponseForm(forms.Form):
    """Shapes input only: "/Hi" is fine, the service normalises it and says what is wrong."""

    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=41,
        help_text=_("Agents type / and this word in the reply box."),
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"),
        max_length=4096,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Variables: {{ contact.name }}, {{ contact.first_name }}, {{ contact.phone }}, "
            "{{ agent.name }}, {{ agent.first_name }}, {{ company.name }}."
        ),
    )


class StateForm(forms.Form):
    ACTIONS = [
        ("resolve", _("Resolve")),
        ("pending", _("Wait on customer")),
        ("snooze", _("Snooze")),
    ]

    action = forms.ChoiceField(choices=ACTIONS)
    snooze_hours = forms.IntegerField(required=False, min_value=1, max_value=24 * 14)
