"""Fault injection: answer matching requests with an error, a delay or a dropped connection."""
from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field

from localorg.httpcore import Response, RestError


@dataclass
class Fault:
    """One armed fault; fires `times` times (None = forever), each time with probability `fraction`."""

    method: str | None
    path: str
    status: int | None = 503
    error_code: str = "SERVER_UNAVAILABLE"
    message: str = "Service temporarily unavailable (injected fault)"
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    times: int | None = 1
    fraction: float | None = None
    fired: int = 0
    _regex: re.Pattern[str] = field(init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._regex = re.compile(self.path)
        self._rng = random.Random(f"{self.method}|{self.path}")   # deterministic per fault

    def matches(self, method: str, path: str) -> bool:
        """True when the request's method and path (no query string) match this fault."""
        if self.method and self.method.upper() != method.upper():
            return False
        return self._regex.search(path) is not None

    def apply(self) -> Response | None:
        """Sleep the delay, then the answer to send (None = carry on with the real answer)."""
        if self.delay:
            time.sleep(self.delay)
        if self.drop:
            return Response(drop=True)
        if self.status is None:
            return None
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after)) if float(self.retry_after).is_integer() else str(self.retry_after)
        return Response.error(RestError(self.status, self.error_code, self.message, headers=headers))

    def as_dict(self) -> dict:
        """A JSON-ready description (admin path)."""
        return {"method": self.method, "path": self.path, "status": self.status, "error_code": self.error_code,
                "message": self.message, "retry_after": self.retry_after, "delay": self.delay, "drop": self.drop,
                "times": self.times, "fraction": self.fraction, "fired": self.fired}


class Faults:
    """The armed faults of one org, first match wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, method: str | None = "PATCH", path: str = r".*", status: int | None = 503,
            error_code: str = "SERVER_UNAVAILABLE", message: str = "Service temporarily unavailable (injected fault)",
            retry_after: float | None = None, delay: float = 0.0, drop: bool = False, times: int | None = 1,
            fraction: float | None = None) -> Fault:
        """Arm a fault for requests whose method matches and whose path matches the regex.

        status=None with delay>0 only slows the call down; drop=True closes the connection unanswered.
        times=None with a fraction makes it fire on that share of calls indefinitely."""
        fault = Fault(method, path, status, error_code, message, retry_after, delay, drop, times, fraction)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        """The armed faults (admin path)."""
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that fires for this request, if any (consumes one of its `times`)."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                if fault.fraction is not None and fault._rng.random() >= fault.fraction:
                    continue
                fault.fired += 1
                return fault
        return None
