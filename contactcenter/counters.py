"""Counting events per fixed time window in the shared cache (Redis), across processes."""

import time

from django.core.cache import cache


def count_in_window(name: str, window_s: int, *, amount: int = 1) -> int:
    """Counts `amount` more of `name` (events, bytes) in the current window of `window_s`
    seconds; returns the window's total so far, this one included."""
    key = f"{name}:{int(time.time() // window_s)}"
    cache.add(key, 0, timeout=window_s * 2)
    return cache.incr(key, amount)
