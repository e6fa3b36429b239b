"""The access policy fails closed, and wrong passwords slow down (risk/upload/access.py)."""

from __future__ import annotations

import pytest

from risk.upload.access import (
    ANALYSTS_WITHOUT_AUTH,
    BAD_ACCESS,
    CLOSED,
    EMPTY_ANALYSTS,
    EMPTY_AUTH,
    EMPTY_PASSWORD,
    INCOMPLETE_AUTH,
    LOCAL,
    NO_RULE,
    OIDC,
    PASSWORD,
    UNREADABLE,
    PasswordThrottle,
    can_edit,
    password_matches,
    policy_from_secrets,
)

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "c" * 32,
    "client_id": "x",
    "client_secret": "y",
    "server_metadata_url": "http://127.0.0.1/.well-known/openid-configuration",
}


@pytest.mark.parametrize(
    ("secrets", "reason"),
    [
        ({"analyst_password": ""}, EMPTY_PASSWORD),
        ({"analyst_password": "   "}, EMPTY_PASSWORD),
        ({"data": {"analyst_password": 1234}}, EMPTY_PASSWORD),
        ({"data": {"analysts": ["a@example.org"]}}, ANALYSTS_WITHOUT_AUTH),
        ({"analysts": "a@example.org", "analyst_password": "s3cret"}, ANALYSTS_WITHOUT_AUTH),
        ({"auth": {}}, EMPTY_AUTH),
        ({"auth": "yes"}, EMPTY_AUTH),
        ({"auth": {"client_id": "x"}}, INCOMPLETE_AUTH),
        ({"auth": AUTH, "analysts": []}, EMPTY_ANALYSTS),
        ({"auth": AUTH, "analysts": ["  "]}, EMPTY_ANALYSTS),
        ({"comtrade": {"api_key": "k"}}, NO_RULE),
        ({}, NO_RULE),
        ({"data": {"access": "everyone"}}, BAD_ACCESS),
        ({"data": {"access": "local", "analyst_password": "s3cret"}}, BAD_ACCESS),
    ],
)
def test_incomplete_or_empty_settings_close_access(secrets: dict, reason: str) -> None:
    policy = policy_from_secrets(secrets)
    assert (policy.mode, policy.reason) == (CLOSED, reason)
    assert not can_edit(policy, password_ok=True, logged_in=True, email="a@example.org")
    assert not password_matches(policy, "")


def test_unreadable_secrets_close_access() -> None:
    policy = policy_from_secrets(None, unreadable=True)
    assert (policy.mode, policy.reason) == (CLOSED, UNREADABLE)
    assert not can_edit(policy, password_ok=True, logged_in=True)


def test_incomplete_auth_names_missing_keys_never_values() -> None:
    policy = policy_from_secrets({"auth": {"client_id": "x", "client_secret": "hush"}})
    assert policy.missing == ("redirect_uri", "cookie_secret", "server_metadata_url")
    assert "hush" not in repr(policy)


def test_no_secrets_file_is_the_local_user() -> None:
    assert policy_from_secrets(None).mode == LOCAL
    assert can_edit(policy_from_secrets(None))
    assert policy_from_secrets({"data": {"access": "local"}}).mode == LOCAL


def test_password_and_oidc_policies() -> None:
    pw = policy_from_secrets({"data": {"analyst_password": "s3cret"}})
    assert pw.mode == PASSWORD and not can_edit(pw)
    assert "s3cret" not in repr(pw)
    assert password_matches(pw, "s3cret") and not password_matches(pw, "s3cre")
    assert not password_matches(pw, None) and not password_matches(pw, "")
    assert can_edit(pw, password_ok=True)
    oidc = policy_from_secrets({"auth": AUTH, "analysts": ["Ana@Example.org"]})
    assert oidc.mode == OIDC and not can_edit(oidc, logged_in=False)
    assert can_edit(oidc, logged_in=True, email="ana@example.org")
    assert not can_edit(oidc, logged_in=True, email="bob@example.org")
    assert can_edit(policy_from_secrets({"auth": AUTH}), logged_in=True, email="z")
    both = policy_from_secrets({"auth": AUTH, "analyst_password": "s3cret"})
    assert both.mode == OIDC and not can_edit(both, password_ok=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_locks_out_after_free_tries_doubling_to_a_cap() -> None:
    clock = Clock()
    throttle = PasswordThrottle(free=3, base=2, cap=60, clock=clock)
    keys = [("session", "s1"), ("client", "10.0.0.1")]
    delays = [throttle.failed(keys) for _ in range(8)]
    assert delays == [0, 0, 0, 2, 4, 8, 16, 32]
    assert throttle.wait(keys) == 32
    assert throttle.failed(keys) == 60 and throttle.failed(keys) == 60
    clock.now += 59
    assert throttle.wait([("session", "s1")]) == pytest.approx(1)
    # a new session from the same address is still held back; another address is not
    assert throttle.wait([("session", "s2"), ("client", "10.0.0.1")]) == pytest.approx(1)
    assert throttle.wait([("session", "s3"), ("client", "10.0.0.2")]) == 0
    clock.now += 1
    assert throttle.wait(keys) == 0
    throttle.succeeded(keys)
    assert throttle.failed(keys) == 0


def test_a_thousand_wrong_passwords_take_days() -> None:
    clock = Clock()
    throttle = PasswordThrottle(clock=clock)
    keys = [("client", "10.0.0.9")]
    waited = 0.0
    for _ in range(1000):
        wait = throttle.wait(keys)
        waited += wait
        clock.now += wait
        throttle.failed(keys)
    assert waited > 1000 * 800  # seconds: the cap is reached after a dozen tries


def test_throttle_forgets_expired_keys_when_full() -> None:
    clock = Clock()
    throttle = PasswordThrottle(free=0, base=1, cap=1, clock=clock, max_keys=10)
    for i in range(10):
        throttle.failed([("session", str(i))])
    clock.now += 5
    throttle.failed([("session", "new")])
    assert len(throttle._fails) == 1
