from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "contactcenter.accounts"
    label = "accounts"

    def ready(self):
        from . import schema  # noqa: F401 - registers the OpenAPI auth extensions
