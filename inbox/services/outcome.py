from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What a task does next: nothing, or try again after `retry_after_s`."""

    retry_after_s: float | None = None


DONE = Outcome()
