"""What the apps above the inbox do when the inbox changes a conversation, and what they add
to its pages.

The inbox sits below routing and templates_hsm (the import-linter contracts in `.importlinter`)
and never imports them. Where one of its writes must let them act, or one of its pages shows
their part, they register a receiver here from their `AppConfig.ready()`, as the relay's kinds
of work do; the inbox calls the hook and does not know who listens. Each hook says when it
runs and what a receiver may rely on.
"""

from collections.abc import Callable


class Hook:
    """A named list of receivers called in registration order; an exception propagates, so a
    receiver that fails rolls back the write that called it."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Callable[..., None]] = []

    def register(self, receiver: Callable[..., None]) -> Callable[..., None]:
        """Idempotent (ready() may run twice in tests); usable as a decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def __call__(self, *args, **kwargs) -> None:
        for receiver in self._receivers:
            receiver(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"


class ContextHook(Hook):
    """A hook whose receivers each answer a dict: `collect()` merges them, in registration order,
    for a page the inbox renders with what the apps above it contribute."""

    def collect(self, *args, **kwargs) -> dict:
        merged: dict = {}
        for receiver in self._receivers:
            merged.update(receiver(*args, **kwargs))
        return merged


conversation_resolved = Hook(
    "conversation_resolved",
    """`receiver(conversation, *, now)`, inside the transaction that resolved the conversation,
    which holds its row lock. Routing ends its wait and frees the agent's slot.""",
)

conversation_needs_routing = Hook(
    "conversation_needs_routing",
    """`receiver(conversation)`, inside the transaction that stored the customer's message that
    opened or reopened it. Routing queues its work after commit.""",
)

template_status_changed = Hook(
    "template_status_changed",
    """`receiver(tenant, change)`, where `change` is the adapter's neutral template status
    change, inside the processing of the webhook that carried it. Templates update their copy.""",
)

conversation_pane = ContextHook(
    "conversation_pane",
    """`receiver(request, conversation) -> dict`, while the inbox renders the conversation pane
    (full page, fragment, or the answer to a post in it), for a principal who may see the
    conversation. The dict joins the template context: routing adds the take and transfer
    options (`may_take`, `transfer_agents`, `transfer_queues`), templates_hsm the approved
    templates offered outside the 24-hour window (`templates`). Read only: no writes.""",
)
