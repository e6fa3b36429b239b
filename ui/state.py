"""Session state and the shared sidebar. Session state holds user choices, never datasets; the caches
are in `ui.cache`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from risk.errors import RiskError
from risk.i18n import DEFAULT_LANG, LANGS, colon, normalise_lang, t
from ui import cache


class Keys:
    """Session-state keys, in one place."""

    LANG = "lang"
    LANG_WIDGET = "_lang_widget"
    PUBLISHED = "_data_published"  # sha256 of each file this session published -> its version
    FLASH = "_data_flash"  # a success message shown once, after the rerun that follows an action


LANG_LABELS = {"zh-TW": "繁體中文", "en": "English"}


def init() -> None:
    """Seed session state from the URL (so a pasted link reopens the same view)."""
    if Keys.LANG not in st.session_state:
        st.session_state[Keys.LANG] = normalise_lang(st.query_params.get("lang", DEFAULT_LANG))


def lang() -> str:
    return str(st.session_state.get(Keys.LANG, DEFAULT_LANG))


# Choice widgets whose options are shown through a translation (format_func). Streamlit's browser
# side keeps the label it last showed, so after a language change their values are written back
# once, which makes it draw them again in the new language.
LABELLED_WIDGETS = (
    "preset", "normalisation", "aggregation", "imputation", "outliers", "f_market", "f_region",
    "f_subregion", "f_income", "f_bloc", "f_tw", "f_elig", "metric", "layers",
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
    value = st.query_params.get("version")
    return str(value) if value else None


def data_access(lang: str) -> tuple[bool, str]:
    """(may this user change data, author name): local user, analyst password or OIDC sign-in."""
    import getpass
    import os

    from risk.upload.access import LOCAL, OIDC, can_edit, password_matches, policy_from_secrets

    try:
        secrets = st.secrets.to_dict()
    except Exception:  # noqa: BLE001 (no secrets file: the embedded single-user default)
        secrets = {}
    policy = policy_from_secrets(secrets)
    if policy.mode == LOCAL:
        return True, os.environ.get("RISK_AUTHOR") or getpass.getuser()
    if policy.mode == OIDC:
        user = st.user
        if not user.get("is_logged_in", False):
            st.sidebar.button(t("data.login", lang), on_click=st.login, key="data_login")
            return False, ""
        email = str(user.get("email") or user.get("name") or "")
        st.sidebar.caption(t("data.signed_in_as", lang, who=email))
        st.sidebar.button(t("data.logout", lang), on_click=st.logout, key="data_logout")
        return can_edit(policy, logged_in=True, email=email), email
    given = st.sidebar.text_input(t("data.password", lang), type="password", key="data_password")
    ok = password_matches(policy, given)
    if given and not ok:
        st.sidebar.error(t("data.password_wrong", lang))
    return can_edit(policy, password_ok=ok), "analyst"
