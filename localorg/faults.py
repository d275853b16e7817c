"""Fault injection: answer matching requests with an error, a delay or a dropped connection."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from localorg.httpcore import Response, RestError, check_number
from localorg.wildcard import Wildcard

MAX_DELAY = 60.0   # the listener's socket timeout: a longer delay could never be answered


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
    _pattern: Wildcard = field(init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check(self)
        self._pattern = Wildcard.path(self.path)   # ValueError for regex syntax outside the safe subset
        self._rng = random.Random(f"{self.method}|{self.path}")   # deterministic per fault

    def matches(self, method: str, path: str) -> bool:
        """True when the request's method and path (no query string) match this fault."""
        if self.method and self.method.upper() != method.upper():
            return False
        return self._pattern.match(path)

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


def _check(fault: Fault) -> None:
    """Validate every field of a fault as it is armed, so a bad one is refused rather than firing oddly later."""
    if fault.method is not None and (not isinstance(fault.method, str) or not fault.method.isalpha()):
        raise ValueError(f"method must be an HTTP method name or null, not {fault.method!r}")
    check_number("status", fault.status, 100, 599, integer=True, optional=True)
    for name in ("error_code", "message"):
        if not isinstance(getattr(fault, name), str):
            raise ValueError(f"{name} must be a string")
    check_number("retry_after", fault.retry_after, 0, 86400, optional=True)
    check_number("delay", fault.delay, 0, MAX_DELAY)
    if not isinstance(fault.drop, bool):
        raise ValueError(f"drop must be true or false, not {fault.drop!r}")
    check_number("times", fault.times, 0, 10**9, integer=True, optional=True)
    check_number("fraction", fault.fraction, 0, 1, optional=True)


class Faults:
    """The armed faults of one org, first match wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, method: str | None = "PATCH", path: str = r".*", status: int | None = 503,
            error_code: str = "SERVER_UNAVAILABLE", message: str = "Service temporarily unavailable (injected fault)",
            retry_after: float | None = None, delay: float = 0.0, drop: bool = False, times: int | None = 1,
            fraction: float | None = None) -> Fault:
        """Arm a fault for requests whose method matches and whose path matches the pattern (searched, like a regex).

        The path pattern is the safe subset of regex syntax: literal text, `.`, `.*`, `^` and `$` (see
        Wildcard.path); anything else, and values out of range (status 100-599, delay 0-60 s, fraction 0-1,
        times >= 0), raise ValueError. status=None with delay>0 only slows the call down; drop=True closes
        the connection unanswered. times=None with a fraction makes it fire on that share of calls indefinitely."""
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
