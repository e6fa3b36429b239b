"""Who may change data: the embedded default, an analyst password, or an OIDC sign-in.

Read from Streamlit secrets (passed in as a plain mapping, so this module never imports Streamlit):

- nothing configured: a single local user, who may upload, publish and roll back;
- `analyst_password = "..."` (top level or under `[data]`): analysts type it to get those rights;
- an `[auth]` section (Streamlit's `st.login` OIDC settings): signed-in users are analysts, or only
  those listed in `analysts = ["a@example.org", ...]` (top level or under `[data]`) when given.

Everyone else sees the data only.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LOCAL, PASSWORD, OIDC = "local", "password", "oidc"


@dataclass(frozen=True)
class AccessPolicy:
    """The access mode and its settings."""

    mode: str = LOCAL
    password: str = ""
    analysts: frozenset[str] = field(default_factory=frozenset)


def _get(secrets: Mapping[str, Any], key: str) -> Any:
    if key in secrets:
        return secrets[key]
    data = secrets.get("data")
    return data.get(key) if isinstance(data, Mapping) else None


def policy_from_secrets(secrets: Mapping[str, Any] | None) -> AccessPolicy:
    """The policy the secrets describe (OIDC wins over a password when both are set)."""
    secrets = secrets or {}
    listed = _get(secrets, "analysts") or []
    if isinstance(listed, str):
        listed = [listed]
    analysts = frozenset(str(a).strip().casefold() for a in listed if str(a).strip())
    if isinstance(secrets.get("auth"), Mapping) and secrets["auth"]:
        return AccessPolicy(OIDC, analysts=analysts)
    password = _get(secrets, "analyst_password")
    if password:
        return AccessPolicy(PASSWORD, password=str(password), analysts=analysts)
    return AccessPolicy(LOCAL)


def password_matches(policy: AccessPolicy, given: str | None) -> bool:
    """Constant-time comparison with the configured analyst password."""
    if policy.mode != PASSWORD or not given:
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
    if not logged_in:
        return False
    return not policy.analysts or (email or "").strip().casefold() in policy.analysts
