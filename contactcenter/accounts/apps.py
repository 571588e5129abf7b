from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "contactcenter.accounts"
    label = "accounts"

    def ready(self):
        from contactcenter import relay

        from . import mail, schema  # noqa: F401 - schema registers the OpenAPI auth extensions

        relay.register("invitation_mails", mail.redrive_invitation_mails)
