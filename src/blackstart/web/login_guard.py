"""What a login attempt may cost: budgets of failed logins and a bounded password-hash pool.

Each password check runs argon2id (64 MiB, 3 passes): unbounded, a flood of failed logins
exhausts memory and processor (finding 1 of issue 17: 520 failures grew the server to
2.6 GiB and slowed operators to 8–10 s). So:

- :class:`HashPool` runs at most :data:`HASH_WORKERS` checks at a time (a capacity limiter
  on the worker threads: the other requests' threads are never taken), with at most
  :data:`HASH_QUEUE` attempts in flight; one more is answered at once with 503 and
  ``Retry-After`` instead of waiting in line (memory stays ≤ workers × 64 MiB).
- :class:`LoginBudget` counts failures three ways:

  * per (name, address): :data:`PAIR_MAX` failures in :data:`PAIR_WINDOW_S` lock that pair
    out for the rest of the window (429);
  * per account, from any address: after :data:`ACCOUNT_FREE` failures in
    :data:`ACCOUNT_WINDOW_S`, each new attempt waits 2, 4, 8 … up to
    :data:`ACCOUNT_MAX_DELAY_S` seconds after the last failure (429 with the wait), and
    after :data:`ACCOUNT_LOCK_AFTER` failures the account is locked for
    :data:`ACCOUNT_LOCK_S` (429 with a clear message; a success resets the count);
  * globally: beyond :data:`GLOBAL_MAX` failures in :data:`GLOBAL_WINDOW_S` the server
    is under a login flood, and only names of existing accounts still get a password
    check (each within its own account budget); other names are refused at once (429)
    without hashing. During a flood the answer may thus reveal whether a name exists.

Everything here is in memory, per server process (a restart forgives). Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from anyio import CapacityLimiter, to_thread

T = TypeVar("T")

PAIR_MAX = 5
PAIR_WINDOW_S = 300.0
ACCOUNT_FREE = 5
ACCOUNT_MAX_DELAY_S = 60.0
ACCOUNT_LOCK_AFTER = 20
ACCOUNT_WINDOW_S = 900.0
ACCOUNT_LOCK_S = 900.0
GLOBAL_MAX = 10
GLOBAL_WINDOW_S = 30.0
HASH_WORKERS = 1
HASH_QUEUE = 4
MAX_TRACKED = 20_000
"""Keys tracked at most (a flood of new names must not grow memory without bound)."""


class LoginRefused(Exception):
    """Wrong name or password (401), disabled (403), too many failures (429, with
    ``retry_after`` s), or too busy checking other logins (503)."""

    def __init__(self, message: str, status: int, retry_after: int = 0, kind: str = "") -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after, self.kind = message, status, retry_after, kind


def _trim(q: deque[float], horizon: float) -> None:
    while q and q[0] <= horizon:
        q.popleft()


@dataclass
class LoginBudget:
    """Failed-login budgets per (name, address), per account and for the whole server."""

    clock: Callable[[], float] = time.monotonic
    pair_max: int = PAIR_MAX
    account_free: int = ACCOUNT_FREE
    account_lock_after: int = ACCOUNT_LOCK_AFTER
    global_max: int = GLOBAL_MAX
    _pairs: dict[tuple[str, str], deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _accounts: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _locked_until: dict[str, float] = field(default_factory=dict)
    _global: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, name: str, address: str) -> None:
        """Raise :class:`LoginRefused` (429) if this name or pair may not try now."""
        with self._lock:
            t = self.clock()
            until = self._locked_until.get(name, 0.0)
            if until > t:
                wait = int(until - t + 0.999)
                raise LoginRefused(
                    f"this account is locked after {self.account_lock_after} failed logins; try "
                    f"again in {max(1, wait // 60)} min, or ask an admin to set a new "
                    "password (blackstart user passwd)",
                    429,
                    wait,
                    "login.locked",
                )
            pair = self._pairs.get((name, address))
            if pair is not None:
                _trim(pair, t - PAIR_WINDOW_S)
                if len(pair) >= self.pair_max:
                    wait = max(1, int(pair[0] + PAIR_WINDOW_S - t + 0.999))
                    raise LoginRefused(
                        f"too many failed logins; try again in {wait} s",
                        429,
                        wait,
                        "login.throttled",
                    )
            acc = self._accounts.get(name)
            if acc is not None:
                _trim(acc, t - ACCOUNT_WINDOW_S)
                if len(acc) >= self.account_free:
                    delay = min(2.0 ** (len(acc) - self.account_free + 1), ACCOUNT_MAX_DELAY_S)
                    ready = acc[-1] + delay
                    if ready > t:
                        wait = max(1, int(ready - t + 0.999))
                        raise LoginRefused(
                            f"{len(acc)} failed logins for this account: wait {wait} s "
                            "before the next try",
                            429,
                            wait,
                            "login.throttled",
                        )

    def flooded(self) -> int:
        """Seconds until the server-wide budget recovers (0: not flooded)."""
        with self._lock:
            t = self.clock()
            _trim(self._global, t - GLOBAL_WINDOW_S)
            if len(self._global) < self.global_max:
                return 0
            return max(1, int(self._global[0] + GLOBAL_WINDOW_S - t + 0.999))

    def failed(self, name: str, address: str, *, known: bool) -> bool:
        """Count a failure; return whether it locked the account."""
        with self._lock:
            t = self.clock()
            self._global.append(t)
            _trim(self._global, t - GLOBAL_WINDOW_S)
            if len(self._pairs) >= MAX_TRACKED:
                self._forget(t)
            self._pairs[(name, address)].append(t)
            if not known:
                return False
            acc = self._accounts[name]
            _trim(acc, t - ACCOUNT_WINDOW_S)
            acc.append(t)
            if len(acc) >= self.account_lock_after:
                self._locked_until[name] = t + ACCOUNT_LOCK_S
                acc.clear()
                return True
            return False

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._pairs.pop((name, address), None)
            self._accounts.pop(name, None)

    def unlock(self, name: str) -> None:
        with self._lock:
            self._locked_until.pop(name, None)
            self._accounts.pop(name, None)

    def _forget(self, t: float) -> None:
        """Drop pairs whose failures are all older than the window (under the lock)."""
        for key in [k for k, q in self._pairs.items() if not q or q[-1] <= t - PAIR_WINDOW_S]:
            del self._pairs[key]
        while len(self._pairs) >= MAX_TRACKED:
            self._pairs.pop(next(iter(self._pairs)))


@dataclass
class HashPool:
    """Password checks on a few dedicated threads, with a bounded line."""

    workers: int = HASH_WORKERS
    queue: int = HASH_QUEUE
    _limiter: CapacityLimiter | None = None
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _admit(self) -> bool:
        with self._lock:
            if self._in_flight >= self.queue:
                return False
            self._in_flight += 1
            return True

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the pool; :class:`LoginRefused` (503) at once if the line is full."""
        if not self._admit():
            raise LoginRefused(
                "the server is busy checking other logins; try again in a second",
                503,
                1,
                "login.busy",
            )
        try:
            if self._limiter is None:
                self._limiter = CapacityLimiter(self.workers)
            return await to_thread.run_sync(fn, limiter=self._limiter)
        finally:
            self._leave()
