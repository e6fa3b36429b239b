"""Who may change data: the embedded default, an analyst password, or an OIDC sign-in.

Read from Streamlit secrets (passed in as a plain mapping, so this module never imports Streamlit):

- no secrets file at all: a single local user, who may upload, publish and roll back;
- `analyst_password = "..."` (top level or under `[data]`): analysts type it to get those rights;
- an `[auth]` section (Streamlit's `st.login` OIDC settings): signed-in users are analysts, or only
  those listed in `analysts = ["a@example.org", ...]` (top level or under `[data]`) when given;
- `[data] access = "local"`: the single local user, although a secrets file exists (for a data
  source's key, say).

Access fails closed: a secrets file that cannot be read, or one whose access settings are missing,
empty, incomplete or contradictory, leaves the data read-only for everyone, with a reason an
administrator can act on (it names settings, never their values). Wrong passwords are throttled per
session and per client by `PasswordThrottle`.

Everyone else sees the data only.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LOCAL, PASSWORD, OIDC, CLOSED = "local", "password", "oidc", "closed"

# Keys Streamlit's default sign-in provider needs under [auth] (see streamlit.auth_util).
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")

# Why access is closed; each has a translated explanation `data.access.closed.<reason>`.
UNREADABLE = "unreadable"  # the secrets file exists but cannot be parsed
NO_RULE = "no_rule"  # secrets exist but say nothing about access
EMPTY_PASSWORD = "empty_password"  # analyst_password is empty or not text
EMPTY_AUTH = "empty_auth"  # [auth] is empty or not a table
INCOMPLETE_AUTH = "incomplete_auth"  # [auth] lacks keys the sign-in needs
ANALYSTS_WITHOUT_AUTH = "analysts_without_auth"  # an analysts list but no [auth] to check it
EMPTY_ANALYSTS = "empty_analysts"  # an analysts setting that names nobody
BAD_ACCESS = "bad_access"  # [data] access is not "local", or "local" beside other rules
CLOSED_REASONS = (
    UNREADABLE,
    NO_RULE,
    EMPTY_PASSWORD,
    EMPTY_AUTH,
    INCOMPLETE_AUTH,
    ANALYSTS_WITHOUT_AUTH,
    EMPTY_ANALYSTS,
    BAD_ACCESS,
)


@dataclass(frozen=True)
class AccessPolicy:
    """The access mode and its settings; `reason` (and `missing`, setting names only) say why a
    closed policy is closed."""

    mode: str = LOCAL
    password: str = field(default="", repr=False)
    analysts: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""
    missing: tuple[str, ...] = ()


def _closed(reason: str, missing: Iterable[str] = ()) -> AccessPolicy:
    return AccessPolicy(CLOSED, reason=reason, missing=tuple(missing))


_ABSENT = object()


def _get(secrets: Mapping[str, Any], key: str) -> Any:
    """A setting at the top level or under [data]; `_ABSENT` when it is in neither."""
    if key in secrets:
        return secrets[key]
    data = secrets.get("data")
    return data.get(key, _ABSENT) if isinstance(data, Mapping) else _ABSENT


def policy_from_secrets(
    secrets: Mapping[str, Any] | None, *, unreadable: bool = False
) -> AccessPolicy:
    """The policy the secrets describe. `secrets` is None when there is no secrets file (the local
    default); `unreadable` when a file exists but could not be read. OIDC wins over a password
    when both are set."""
    if unreadable:
        return _closed(UNREADABLE)
    if secrets is None:
        return AccessPolicy(LOCAL)
    auth = secrets.get("auth", _ABSENT)
    password = _get(secrets, "analyst_password")
    listed = _get(secrets, "analysts")
    access = _get(secrets, "access")
    if access is not _ABSENT:
        others = any(v is not _ABSENT for v in (auth, password, listed))
        if access != LOCAL or others:
            return _closed(BAD_ACCESS)
        return AccessPolicy(LOCAL)
    analysts: frozenset[str] = frozenset()
    if listed is not _ABSENT:
        names = [listed] if isinstance(listed, str) else listed
        if not isinstance(names, list | tuple):
            return _closed(EMPTY_ANALYSTS)
        analysts = frozenset(str(a).strip().casefold() for a in names if str(a).strip())
        if not analysts:
            return _closed(EMPTY_ANALYSTS)
        if auth is _ABSENT:
            return _closed(ANALYSTS_WITHOUT_AUTH)
    if auth is not _ABSENT:
        if not isinstance(auth, Mapping) or not auth:
            return _closed(EMPTY_AUTH)
        missing = [k for k in AUTH_KEYS if not str(auth.get(k) or "").strip()]
        if missing:
            return _closed(INCOMPLETE_AUTH, missing)
        return AccessPolicy(OIDC, analysts=analysts)
    if password is not _ABSENT:
        if not isinstance(password, str) or not password.strip():
            return _closed(EMPTY_PASSWORD)
        return AccessPolicy(PASSWORD, password=password)
    return _closed(NO_RULE)


def password_matches(policy: AccessPolicy, given: str | None) -> bool:
    """Constant-time comparison with the configured analyst password."""
    if policy.mode != PASSWORD or not policy.password or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), policy.password.encode("utf-8"))


def can_edit(
    policy: AccessPolicy,
    *,
    password_ok: bool = False,
    logged_in: bool = False,
    email: str | None = None,
) -> bool:
    """True when this user may upload, publish and roll back."""
    if policy.mode == LOCAL:
        return True
    if policy.mode == PASSWORD:
        return password_ok
    if policy.mode != OIDC or not logged_in:
        return False
    return not policy.analysts or (email or "").strip().casefold() in policy.analysts


class PasswordThrottle:
    """Wrong passwords slow down: after `free` wrong tries a key (a session, a client address) is
    locked for `base` seconds, doubling with each further wrong try up to `cap`. A right password
    clears the keys it was typed under. Thread-safe; one instance serves the whole process."""

    def __init__(
        self,
        free: int = 3,
        base: float = 2.0,
        cap: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.free, self.base, self.cap, self.clock, self.max_keys = free, base, cap, clock, max_keys
        self._fails: dict[Hashable, tuple[int, float]] = {}  # key -> (wrong tries, locked until)
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[Hashable]) -> float:
        """Seconds before any of `keys` may try again (0 when it may try now)."""
        now = self.clock()
        with self._lock:
            until = max((self._fails.get(k, (0, 0.0))[1] for k in keys), default=0.0)
        return max(0.0, until - now)

    def failed(self, keys: Iterable[Hashable]) -> float:
        """Record a wrong try under each key; returns the lockout it earned (seconds)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            if len(self._fails) >= self.max_keys:  # forget lockouts that have run out
                self._fails = {k: v for k, v in self._fails.items() if v[1] > now}
            for key in keys:
                count = self._fails.get(key, (0, 0.0))[0] + 1
                over = count - self.free
                delay = min(self.cap, self.base * 2.0 ** min(over - 1, 40)) if over > 0 else 0.0
                self._fails[key] = (count, now + delay)
                longest = max(longest, delay)
        return longest

    def succeeded(self, keys: Iterable[Hashable]) -> None:
        with self._lock:
            for key in keys:
                self._fails.pop(key, None)
