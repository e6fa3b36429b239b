"""Session state and the shared sidebar. Session state holds user choices, never datasets; the caches
are in `ui.cache`."""

from __future__ import annotations

import getpass
import hashlib
import logging
import math
import os
import re
import secrets
from collections.abc import Collection
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from risk.errors import RiskError
from risk.i18n import DEFAULT_LANG, LANGS, colon, normalise_lang, t
from risk.text import md_text
from risk.upload.access import (
    CLOSED,
    LOCAL,
    OIDC,
    can_edit,
    password_matches,
    policy_from_secrets,
)
from ui import cache

_LOG = logging.getLogger(__name__)
VERSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Keys:
    """Session-state keys, in one place."""

    LANG = "lang"
    LANG_WIDGET = "_lang_widget"
    PUBLISHED = "_data_published"  # sha256 of each file this session published -> its version
    FLASH = "_data_flash"  # a success message shown once, after the rerun that follows an action
    SESSION_TOKEN = "_session_token"  # a random id of this session (the password throttle's key)
    WRONG_PASSWORD = "_wrong_password"  # sha256 of the last wrong password, not counted twice


LANG_LABELS = {"zh-TW": "繁體中文", "en": "English"}


def init() -> None:
    """Seed session state from the URL (so a pasted link reopens the same view)."""
    if Keys.LANG not in st.session_state:
        st.session_state[Keys.LANG] = normalise_lang(st.query_params.get("lang", DEFAULT_LANG))


def lang() -> str:
    return str(st.session_state.get(Keys.LANG, DEFAULT_LANG))


def note_page(path: str) -> None:
    """Remember which page this run shows (by URL path), and which the previous run showed."""
    ss = st.session_state
    ss["_page_before"], ss["_page_now"] = ss.get("_page_now"), path


def page_switched() -> bool:
    """Does this run show another page than the previous run of this session?"""
    before = st.session_state.get("_page_before")
    return before is not None and before != st.session_state.get("_page_now")


# Choice widgets whose options are shown through a translation (format_func). Streamlit's browser
# side keeps the label it last showed, so after a language change their values are written back
# once, which makes it draw them again in the new language.
LABELLED_WIDGETS = (
    "preset", "normalisation", "aggregation", "imputation", "outliers", "f_market", "f_region",
    "f_subregion", "f_income", "f_bloc", "f_tw", "f_elig", "metric", "layers", "mapview",
    "method_preset", "method_norm", "method_agg", "sc_kinds", "al_short",
)  # fmt: skip


def _labelled_keys() -> list[str]:
    from risk.scenarios.kinds import KINDS
    from risk.scenarios.view import param_key

    params = [
        param_key(kind, p.name)
        for kind, spec in KINDS.items()
        for p in spec.params
        if p.name in ("target", "iso3")
    ]
    return [*LABELLED_WIDGETS, *params]


def _on_language() -> None:
    ss = st.session_state
    ss[Keys.LANG] = ss[Keys.LANG_WIDGET]
    for key in _labelled_keys():
        if key in ss:
            ss[key] = ss[key]


def lang_key(name: str) -> str:
    """A widget key that changes with the language: tables size their columns on first draw, so a
    table drawn again in another language starts afresh."""
    return f"{name}.{lang()}"


def language_selector() -> str:
    """The language switch in the sidebar, mirrored in the URL as ?lang=.

    The choice lives in a plain session key; the widget has its own key, re-seeded every run,
    because Streamlit drops widget state when the user switches pages.
    """
    st.session_state[Keys.LANG_WIDGET] = lang()
    st.sidebar.segmented_control(
        t("app.language", lang()),
        options=list(LANGS),
        format_func=LANG_LABELS.__getitem__,
        key=Keys.LANG_WIDGET,
        required=True,
        on_change=_on_language,
    )
    current = lang()
    if st.query_params.get("lang") != current:
        st.query_params["lang"] = current
    return current


def sidebar_footer() -> None:
    store = cache.store()
    st.sidebar.caption(f"{t('app.data_version', lang())}{colon(lang())}`{store.data_version}`")
    if getattr(store, "offline", None):  # the shared store's catalog is away: read-only
        st.sidebar.warning(t("app.store_offline", lang()))


def forget_unknown_page(known: Collection[str]) -> bool:
    """True when the browser asked for a page path the app does not have (say /overview: the
    overview lives at the root). Streamlit would answer with its own "Page not found" dialog, in
    English, over the main page; the request is turned into one for the main page instead, so the
    app opens as usual and says so in the user's language. `known` holds the URL paths of the
    pages other than the main one (which is at the root).

    Streamlit has no public hook for this: the page the browser asked for is read from, and reset
    on, the script run's pages manager (a browser test checks it against the pinned version)."""
    ctx = get_script_run_ctx()
    pages = getattr(ctx, "pages_manager", None)
    asked = getattr(pages, "intended_page_name", None)
    if pages is None or not asked or getattr(pages, "intended_page_script_hash", None):
        return False
    if asked.strip("/") in known:
        return False
    pages.set_script_intent("", "")
    return True


def version_exists(version: str) -> bool:
    """Is `version` in the store (rolled back or not)? The cached list first, then the store:
    the list is cached per current version, and a version made since may be missing from it."""
    current = cache.store().data_version
    if version == current or version in cache.known_versions(current):
        return True
    try:
        cache.store().version_info(version)
    except RiskError:
        return False
    return True


def resolve_version(requested: str | None) -> str:
    """The version a view shows: the one a link asks for, if it exists, else the current one."""
    if requested and version_exists(requested):
        return requested
    return cache.store().data_version


ROOT = Path(__file__).resolve().parent.parent


def pinned_version() -> str | None:
    """The data version a shared link is pinned to (?version=...), if any."""
    value = str(st.query_params.get("version") or "")
    # only what a version id can be (v0001-1a2b3c4d, bundled-...): the value is echoed on pages
    return value if VERSION_ID.fullmatch(value) else None


def read_secrets() -> tuple[dict[str, Any] | None, bool]:
    """(the secrets, or None when there is no secrets file; True when a file exists but cannot be
    read). The reason goes to the server log only: it may quote the file."""
    try:
        return st.secrets.to_dict(), False
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return None, False
        _LOG.error("secrets could not be read, data is read-only: %s", exc)
    except Exception:  # noqa: BLE001 (any failure to read secrets closes access)
        _LOG.exception("secrets could not be read, data is read-only")
    return None, True


def _session_token() -> str:
    """A random id for this browser session (keys the password throttle)."""
    return str(st.session_state.setdefault(Keys.SESSION_TOKEN, secrets.token_hex(8)))


def data_access(lang: str) -> tuple[bool, str]:
    """(may this user change data, author name): local user, analyst password or OIDC sign-in.
    Access fails closed: unreadable or incomplete secrets leave the data read-only, with the reason
    in the sidebar."""
    found, unreadable = read_secrets()
    policy = policy_from_secrets(found, unreadable=unreadable)
    if policy.mode == LOCAL:
        return True, os.environ.get("RISK_AUTHOR") or getpass.getuser()
    if policy.mode == CLOSED:
        detail = t(f"data.access.closed.{policy.reason}", lang, keys=", ".join(policy.missing))
        st.sidebar.warning(f"{t('data.access.closed', lang)} {detail}")
        return False, ""
    if policy.mode == OIDC:
        user = st.user
        if not user.get("is_logged_in", False):
            st.sidebar.button(t("data.login", lang), on_click=st.login, key="data_login")
            return False, ""
        email = str(user.get("email") or user.get("name") or "")
        st.sidebar.caption(t("data.signed_in_as", lang, who=md_text(email)))
        st.sidebar.button(t("data.logout", lang), on_click=st.logout, key="data_logout")
        return can_edit(policy, logged_in=True, email=email), email
    given = st.sidebar.text_input(t("data.password", lang), type="password", key="data_password")
    if not given:
        return False, ""
    ip = st.context.ip_address  # None on localhost (and not a string under AppTest)
    ip = ip if isinstance(ip, str) else None
    keys = [("session", _session_token()), *([("client", ip)] if ip else [])]
    throttle = cache.password_throttle()
    tried = hashlib.sha256(given.encode("utf-8")).hexdigest()
    ok = False
    if st.session_state.get(Keys.WRONG_PASSWORD) == tried:  # the same wrong value, kept in the box
        st.sidebar.error(t("data.password_wrong", lang))
    elif wait := throttle.wait(keys):
        st.sidebar.error(t("data.access.throttled", lang, seconds=math.ceil(wait)))
    elif password_matches(policy, given):
        throttle.succeeded(keys)
        st.session_state.pop(Keys.WRONG_PASSWORD, None)
        ok = True
    else:
        throttle.failed(keys)
        _LOG.warning("wrong analyst password from %s", ip or "a local client")
        st.session_state[Keys.WRONG_PASSWORD] = tried
        st.sidebar.error(t("data.password_wrong", lang))
    if not ok:
        return False, ""
    name = st.sidebar.text_input(t("data.access.your_name", lang), key="data_author", max_chars=80)
    who = name.strip() or t("data.access.analyst", lang)
    return can_edit(policy, password_ok=True), f"{who} ({ip})" if ip else who
