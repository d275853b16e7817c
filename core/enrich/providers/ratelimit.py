"""A token bucket with an injectable clock and sleep, so rate limits are testable without waiting."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Allow at most rate_per_minute acquisitions per minute on average, with bursts up to `burst`.

    The default burst is one second's worth of tokens, so no 60-second window sees much more than
    the limit (Clearbit's is 600 requests per minute).
    """

    def __init__(
        self,
        rate_per_minute: float = 600,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """rate_per_minute > 0; clock returns seconds; sleep waits (tests pass a fake that advances the clock)."""
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1.0, self.rate))
        self.clock = clock
        self.sleep = sleep
        self.tokens = self.capacity
        self.updated = clock()
        self.waited = 0.0
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def acquire(self) -> float:
        """Take one token, sleeping first if none is available; returns the seconds slept."""
        with self._lock:
            slept = 0.0
            self._refill()
            if self.tokens < 1.0:
                wait = (1.0 - self.tokens) / self.rate
                self.sleep(wait)
                slept = wait
                self._refill()
                # We slept exactly as long as one token takes; absorb float rounding (no busy loop).
                self.tokens = max(self.tokens, 1.0)
            self.tokens -= 1.0
            self.waited += slept
            return slept
