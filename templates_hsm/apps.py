from django.apps import AppConfig


class TemplatesHsmConfig(AppConfig):
    name = "templates_hsm"
