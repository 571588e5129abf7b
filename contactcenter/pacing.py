"""Token buckets in Redis: one atomic Lua call per acquire, shared by every worker process."""

from functools import cache

import redis
from django.conf import settings

# KEYS[1] bucket; ARGV: rate per second, capacity, cost.
# Redis' own clock: one clock for all workers.
# Returns 0 when granted, else the seconds to wait (as a string, Lua has no floats on return).
_ACQUIRE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(wait)
"""


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@cache
def _script():
    return _redis().register_script(_ACQUIRE)


def acquire(key: str, *, rate_per_s: float, capacity: float) -> float:
    """Takes one token; returns 0.0 if granted, else how long to wait before trying again."""
    return float(_script()(keys=[f"pace:{key}"], args=[rate_per_s, capacity, 1]))
