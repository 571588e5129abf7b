from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"

    def ready(self) -> None:
        from contactcenter import landing, metrics
        from contactcenter.realtime import publish
        from inbox import relay, views_channels
        from inbox.metrics import ProcessingLag
        from inbox.services import events

        relay.register()
        publish.register_seq_reader(events.committed_seqs)
        landing.register_first_run(views_channels.first_run_step)
        metrics.register_scraped(ProcessingLag())
