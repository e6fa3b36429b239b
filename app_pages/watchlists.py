"""Watchlists: saved shortlists of markets, each with its countries' ranks and scores then and now,
a link to share it, and a way to start the Scenarios page from it."""

import streamlit as st

from risk.i18n import name_column, t
from risk.present.watchlists import change_counts, changes_table, list_table, settings_text
from risk.text import md_text
from risk.watchlists import WatchlistError, changes_since_saved, delete_watchlist, load_watchlist
from risk.watchlists import list_watchlists as saved_watchlists
from ui import cache, state
from ui.watchlists import LINK_KEY, share_link

PICK_KEY = "watch_pick"
FLASH_KEY = "_watch_flash"

lang = state.lang()
store = cache.store()
version = store.data_version
countries = cache.table("countries", version)
names = dict(zip(countries["iso3"], countries[name_column(lang)], strict=True))
ss = st.session_state

st.title(t("watch.title", lang))
st.caption(t("watch.intro", lang))
if flash := ss.pop(FLASH_KEY, None):
    st.success(flash)

wid = st.query_params.get(LINK_KEY)
opened = None
if wid:
    try:
        opened = load_watchlist(store, wid)
    except WatchlistError as exc:
        st.warning(md_text(exc.text(lang)))
saved = saved_watchlists(store)
if not saved and opened is None:
    st.info(t("watch.none", lang))
    st.stop()


def _on_pick() -> None:
    st.query_params[LINK_KEY] = ss[PICK_KEY]


by_id = {w.id: w for w in saved}
if opened is not None:
    by_id.setdefault(opened.id, opened)
ss[PICK_KEY] = opened.id if opened is not None else None
st.selectbox(
    t("watch.pick", lang),
    list(by_id),
    key=PICK_KEY,
    format_func=lambda i: by_id[i].name,
    placeholder=t("watch.pick_placeholder", lang),
    on_change=_on_pick,
)
if opened is None:
    listing = list_table(saved, names, lang)
    st.dataframe(
        listing,
        hide_index=True,
        key=state.lang_key("watch_list"),
        column_config={c: t(f"watch.col.{c}", lang) for c in listing.columns},
    )
    st.stop()
assert opened is not None  # for the type checker: st.stop() above ends the run

# -- one watchlist: then and now -------------------------------------------------------------
st.subheader(md_text(opened.name))
st.caption(
    t(
        "watch.saved_caption",
        lang,
        saved_at=md_text(opened.saved_at),
        then=md_text(opened.data_version),
        now=md_text(version),
    )
)
st.caption(md_text(settings_text(opened, lang)))
if opened.data_version == version:
    st.caption(t("watch.same_version", lang))
spec_now = opened.spec_now(version)
ranked, _ = cache.scores(spec_now.to_json(), version)
changes = changes_since_saved(opened, ranked)
for col, (key, n) in zip(st.columns(4), change_counts(changes).items(), strict=True):
    col.metric(t(f"watch.metric.{key}", lang), n)
shown = changes_table(changes, names, lang)
number = {"score_then": "%.1f", "score_now": "%.1f", "score_change": "%+.1f"}
column_config = {
    c: st.column_config.NumberColumn(t(f"watch.col.{c}", lang), format=number[c])
    if c in number
    else t(f"watch.col.{c}", lang)
    for c in shown.columns
}
st.dataframe(
    shown, hide_index=True, key=state.lang_key("watch_changes"), column_config=column_config
)

c1, c2, c3 = st.columns([2, 2, 1])
c1.page_link(
    "app_pages/overview.py",
    label=t("watch.open_view", lang),
    icon=":material/public:",
    query_params={**opened.query, "lang": lang},
)
scenario_query = {**opened.query, "spec": spec_now.to_url(), "short": ",".join(opened.countries)}
c2.page_link(
    "app_pages/scenarios.py",
    label=t("watch.open_scenarios", lang),
    icon=":material/alt_route:",
    query_params={**scenario_query, "lang": lang},
)
# Anyone may save a list; deleting one takes the rights that change data (on a shared server,
# the analyst password or sign-in), so a visitor cannot wipe a team's lists.
may_delete, _author = state.data_access(lang)
with c3.popover(t("watch.delete", lang)):
    st.markdown(t("watch.delete_confirm", lang, name=md_text(opened.name)))
    if not may_delete:
        st.caption(t("watch.delete_needs_access", lang))
    elif st.button(t("watch.delete_yes", lang), key="watch_delete", type="primary"):
        delete_watchlist(store, opened.id)
        ss[FLASH_KEY] = t("watch.deleted", lang, name=md_text(opened.name))
        del st.query_params[LINK_KEY]
        st.rerun()

st.markdown(f"**{t('watch.share', lang)}**")
st.caption(t("watch.share_help", lang))
st.code(share_link(opened.id), language=None)
