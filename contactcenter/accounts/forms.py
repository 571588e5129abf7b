"""Forms of the sign-in pages; they shape input, services decide and audit."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from . import mail
from .models import User


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's (no answer tells whether the address has an account), but the mail is sent by
    a Celery task, not in the request (accounts/mail.py writes it)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        mail.schedule_password_reset_mail(context["user"])


class CodeForm(forms.Form):
    """A 6-digit TOTP code or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class NewAccountForm(forms.Form):
    """An invitee without an account: a name and a password (validated like every password)."""

    full_name = forms.CharField(label=_("Your name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ; type the same one twice."))
        if data.get("password1"):
            invitee = User(email=self.email, full_name=data.get("full_name", ""))
            password_validation.validate_password(data["password1"], invitee)
        return data


class SwitchTenantForm(forms.Form):
    tenant = forms.IntegerField()
