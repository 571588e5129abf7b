from django.apps import AppConfig
from django.core.signals import request_finished


class ContactCenterConfig(AppConfig):
    name = "contactcenter"
    label = "contactcenter"

    def ready(self) -> None:
        from contactcenter import logs

        request_finished.connect(logs.forget_request_id)
