from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"

    def ready(self) -> None:
        from contactcenter.realtime import publish
        from inbox import relay
        from inbox.services import events

        relay.register()
        publish.register_seq_reader(events.committed_seqs)
