from django.apps import AppConfig


class OtpConfig(AppConfig):
    name = "contactcenter.accounts.otp"
    label = "accounts_otp"
    verbose_name = "MFA devices"
