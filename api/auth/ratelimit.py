"""Sign-in attempts are rate-limited per account and per client address.

Failures are counted in a sliding window behind a small interface, `AttemptCounter`: in-process
for the embedded mode (one server process), Redis when several servers share the load
(HANDOFF_RATE_LIMIT_URL). Account names are hashed before they become keys, so the counter holds
no email addresses. An unknown account counts like a known one, so the limit reveals nothing.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from handoff.identity.errors import TooManyAttempts
from handoff.identity.secrets import digest


class AttemptCounter(Protocol):
    """Timestamps of attempts per key, within a window."""

    def count(self, key: str, *, window_s: int) -> tuple[int, float]:
        """(attempts within the window, seconds until the oldest of them leaves it)."""
        ...

    def add(self, key: str, *, window_s: int) -> None: ...

    def clear(self, key: str) -> None: ...


class MemoryCounter:
    """One process's counts. Bounded: keys whose attempts have all expired are swept."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._adds = 0

    def _prune(self, key: str, window_s: int, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - window_s:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def count(self, key: str, *, window_s: int) -> tuple[int, float]:
        now = self._clock()
        with self._lock:
            hits = self._prune(key, window_s, now)
            return len(hits), (hits[0] + window_s - now) if hits else 0.0

    def add(self, key: str, *, window_s: int) -> None:
        now = self._clock()
        with self._lock:
            self._prune(key, window_s, now)
            self._hits.setdefault(key, deque()).append(now)
            self._adds += 1
            if self._adds % 1000 == 0:
                for other in list(self._hits):
                    self._prune(other, window_s, now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class RedisCounter:
    """Counts shared by every server: one sorted set per key, scored by time, expiring with the
    window."""

    def __init__(self, client: Any, *, namespace: str = "handoff:signin:") -> None:
        self._redis = client
        self._ns = namespace

    @classmethod
    def from_url(cls, url: str) -> RedisCounter:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=5))

    def count(self, key: str, *, window_s: int) -> tuple[int, float]:
        now = time.time()
        name = self._ns + key
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(name, "-inf", now - window_s)
        pipe.zcard(name)
        pipe.zrange(name, 0, 0, withscores=True)
        _, count, oldest = pipe.execute()
        wait = (oldest[0][1] + window_s - now) if oldest else 0.0
        return int(count), max(0.0, wait)

    def add(self, key: str, *, window_s: int) -> None:
        now = time.time()
        name = self._ns + key
        pipe = self._redis.pipeline()
        pipe.zadd(name, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
        pipe.expire(name, window_s + 1)
        pipe.execute()

    def clear(self, key: str) -> None:
        self._redis.delete(self._ns + key)


class SignInGuard:
    """The sign-in limits: at most `per_account` failures for one account and `per_address`
    from one address within `window_s` seconds; beyond either, sign-in is refused (429) until
    the oldest failure leaves the window, even with the right password."""

    def __init__(
        self, counter: AttemptCounter, *, per_account: int, per_address: int, window_s: int
    ) -> None:
        self.counter = counter
        self.per_account = per_account
        self.per_address = per_address
        self.window_s = window_s

    @staticmethod
    def _keys(login: str, address: str | None) -> tuple[str, str]:
        account = "account:" + digest(login.strip().lower())[:32]
        return account, f"address:{address or 'unknown'}"

    def check(self, login: str, address: str | None) -> None:
        account, addr = self._keys(login, address)
        for key, limit in ((account, self.per_account), (addr, self.per_address)):
            count, wait = self.counter.count(key, window_s=self.window_s)
            if count >= limit:
                seconds = max(1, math.ceil(wait))
                raise TooManyAttempts(
                    f"Too many failed sign-ins; try again in {seconds} seconds.",
                    retry_after=seconds,
                )

    def failed(self, login: str, address: str | None) -> None:
        for key in self._keys(login, address):
            self.counter.add(key, window_s=self.window_s)

    def succeeded(self, login: str) -> None:
        """A correct sign-in clears the account's count (not the address's: one address trying
        many accounts stays limited)."""
        self.counter.clear(self._keys(login, None)[0])
