from django.apps import AppConfig


class TemplatesHsmConfig(AppConfig):
    name = "templates_hsm"

    def ready(self) -> None:
        from inbox import hooks
        from templates_hsm import views
        from templates_hsm.services import apply_status_update

        hooks.template_status_changed.register(apply_status_update)
        hooks.conversation_pane.register(views.pane_context)
