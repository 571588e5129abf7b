from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"

    def ready(self) -> None:
        from inbox import hooks
        from routing import relay
        from routing.services import lifecycle
        from routing.views import agent

        relay.register()
        hooks.conversation_needs_routing.register(lifecycle.route_after_commit)
        hooks.conversation_resolved.register(lifecycle.on_conversation_resolved)
        hooks.conversation_pane.register(agent.pane_context)
