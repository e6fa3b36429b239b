"""Watchlist controls other pages show: "Save as watchlist" on the overview, "start from a
watchlist" on the Scenarios page, and `?watch=<id>` links to the front page opening the list."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from risk.i18n import name_column, t
from risk.share import DEFAULT_TOP_N, ViewState
from risk.store.protocol import Store
from risk.text import md_text
from risk.watchlists import MAX_COUNTRIES, MAX_NAME, WatchlistError, create_watchlist
from risk.watchlists import list_watchlists as saved_watchlists
from ui import cache

PAGE = "app_pages/watchlists.py"
LINK_KEY = "watch"
NAME_KEY = "watch_name"
COUNTRIES_KEY = "watch_countries"
TOP_KEY = "_watch_top"  # the view's top markets the country choice was last seeded with
DRAWN_LANG_KEY = "_watch_lang"  # the language the country choice was last drawn in
START_KEY = "sc_watch"


def share_link(wid: str) -> str:
    """The link that opens watchlist `wid` on any server of this app."""
    base = (st.context.url or "").split("?")[0].rstrip("/")  # the overview is the app's root
    page = base if base.endswith("/watchlists") else f"{base}/watchlists"
    return f"{page}?{LINK_KEY}={wid}"


def follow_link(nav: StreamlitPage) -> None:
    """A `?watch=<id>` link to the front page opens the Watchlists page with that list."""
    if nav.url_path == "" and st.query_params.get(LINK_KEY):
        st.switch_page(PAGE, query_params=st.query_params.to_dict())


def save_control(
    store: Store, current: ViewState, ranked: pd.DataFrame, shown: pd.DataFrame, lang: str
) -> None:
    """The overview's "Save as watchlist": a name and the countries (the view's top ten unless
    changed), saved with the view's settings, ranks and scores."""
    version = current.spec.data_version or store.data_version
    names = dict(zip(ranked["iso3"], ranked[name_column(lang)], strict=True))
    top = list(shown.loc[shown["rank"].notna(), "iso3"].head(DEFAULT_TOP_N))
    options = top + [c for c in ranked["iso3"] if c not in top]
    ss = st.session_state
    if ss.get(TOP_KEY) != top or COUNTRIES_KEY not in ss:  # the view changed: its new top ten
        ss[TOP_KEY], ss[COUNTRIES_KEY] = top, top
    elif ss.get(DRAWN_LANG_KEY) != lang:
        # Written back once after a language switch, so the browser draws the names again in
        # the new language (as ui.state does for the other choice widgets).
        ss[COUNTRIES_KEY] = list(ss[COUNTRIES_KEY])
    ss[DRAWN_LANG_KEY] = lang
    with st.expander(t("watch.save.title", lang)):
        st.caption(t("watch.save.help", lang))
        with st.form("watch_save_form", border=False):
            name = st.text_input(t("watch.save.name", lang), max_chars=MAX_NAME, key=NAME_KEY)
            chosen = st.multiselect(
                t("watch.save.countries", lang, max=MAX_COUNTRIES),
                options,
                key=COUNTRIES_KEY,
                format_func=lambda c: f"{names.get(c, c)} ({c})",
                max_selections=MAX_COUNTRIES,
                placeholder=t("common.choose", lang),
            )
            submitted = st.form_submit_button(t("watch.save.button", lang))
        if not submitted:
            return
        known = set(cache.table("countries", version)["iso3"])
        try:
            saved = create_watchlist(
                store, name, chosen, current, ranked, data_version=version, known=known
            )
        except WatchlistError as exc:
            st.error(md_text(exc.text(lang)))
            return
        st.success(t("watch.save.done", lang, name=md_text(saved.name)))
        st.code(share_link(saved.id), language=None)
        st.page_link(
            PAGE, label=t("watch.save.go", lang), query_params={LINK_KEY: saved.id, "lang": lang}
        )


def _fill_shortlist(countries: dict[str, tuple[str, ...]], allowed: list[str]) -> None:
    wid = st.session_state.get(START_KEY)
    if wid in countries:
        st.session_state["al_short"] = [c for c in countries[wid] if c in allowed]


def start_control(lang: str, allowed: list[str]) -> None:
    """The Scenarios page's "start from a watchlist": choosing one fills the allocation's
    shortlist with its countries (those the allocation can take)."""
    saved = saved_watchlists(cache.store())
    if not saved:
        return
    labels = {w.id: w.name for w in saved}
    st.selectbox(
        t("watch.start", lang),
        list(labels),
        index=None,
        key=START_KEY,
        format_func=lambda wid: labels.get(wid, wid),
        placeholder=t("watch.pick_placeholder", lang),
        help=t("watch.start_help", lang),
        on_change=_fill_shortlist,
        args=({w.id: w.countries for w in saved}, allowed),
    )
