from django.apps import AppConfig


class ContactCenterConfig(AppConfig):
    name = "contactcenter"
    label = "contactcenter"
