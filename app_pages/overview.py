"""Overview: the score map, the ranked shortlist, filters, weights and a shareable link."""

from datetime import date

import streamlit as st

from risk.i18n import t
from risk.paths import DATASETS_DIR
from risk.present.maps import COUNTRY_LAYER_ID, overview_deck, preset_view, view_name
from risk.present.overview import (
    NOTE_LAYERS,
    arcs,
    layer_legend,
    legend,
    legend_html,
    search_hint,
    status_outlines,
    tooltip_text,
)
from risk.present.selection import hiding_filters, standing
from risk.present.top import top_markets_html
from risk.scoring.result import ranked_count
from risk.text import md_text
from ui import cache, map_first, maps, overview_parts, selection, state, view
from ui.changes import overview_section as what_changed

MAP_HEIGHT = 440
FULL_TABLE_ANCHOR = "ranking"

lang = state.lang()
store = cache.store()
countries = cache.table("countries", store.data_version)
first_screen = map_first.pending()  # a browser's first visit: the map, then the rest
warnings = map_first.carry_over("overview", view.init_view(), first_screen)
if not first_screen:
    view.weight_controls(lang)
    view.filter_controls(lang, countries[countries["sovereign"]])

# Less space above the title, so the map and the top markets fit the first screen (1440 x 900); the
# map controls' row keeps its height (89 px at 1440 px) while its widgets load, so the map stays put.
st.html(
    "<style>[data-testid=stMainBlockContainer]{padding:2.5rem 3rem 4rem 3rem}"
    "@media (min-width:640px){.st-key-map_controls{min-height:89px}}</style>"
)
st.title(t("app.title", lang))
st.caption(t("app.subtitle", lang))
for w in warnings:
    st.warning(t("overview.link_warning", lang, detail=md_text(w)))

map_col, top_col = st.columns([3, 2], gap="medium")
with map_col.container(key="map_controls"):
    if first_screen:
        st.html('<div class="map-controls-to-come"></div>')  # an empty container is not drawn
    else:
        view.map_controls(lang)
current = view.current_view()
version = current.spec.data_version
if version != store.data_version:
    left, right = st.columns([4, 1])
    left.info(t("overview.version_warning", lang, link=version, current=store.data_version))
    if right.button(t("overview.use_current", lang), key="use_current"):
        st.session_state["_pinned"] = None
        st.rerun()
ranked, score_warnings = cache.scores(current.spec.to_json(), version)
shown = cache.shown(current.spec.to_json(), version, current.filters)

# -- map -----------------------------------------------------------------------------------
layers = set(current.layers)
as_of = date.fromisoformat(current.spec.as_of)
built = cache.buildout(version, store.data_version, as_of.year)
deals = cache.us_deals(version, current.spec.as_of)
props, lo, hi = cache.overview_map_properties(
    current.spec, version, current.filters, current.metric, lang, layers
)
# What is drawn over the fills (status outlines, the layers) comes with the rest of a first screen:
# each further kind of layer delays the first map while the browser prepares it (about 0.2 s).
drawn = set() if first_screen else layers
deck = overview_deck(
    cache.geometry(),
    props,
    tooltip_text(current.metric, lang, notes=bool(layers & NOTE_LAYERS)),
    arcs=arcs(shown, countries, current.top_n) if "arcs" in drawn else None,
    cloud=cache.table("cloud_regions", version) if "cloud" in drawn else None,
    landings=cache.table("landing_points", version) if "landings" in drawn else None,
    cables=cache.geometry(str(DATASETS_DIR / "cables.geojson")) if "cables" in drawn else None,
    buildout=built if "buildout" in drawn else None,
    us_deals=set(deals["iso3"]) if "us_deals" in drawn else None,
    outlines=None if first_screen else status_outlines(ranked),
    height=MAP_HEIGHT,
)
deck.initial_view_state = preset_view(view_name(current.map_view, current.filters.markets))
event = maps.show(
    map_col,
    deck,
    version,
    key="overview_map",
    on_select="rerun",
    selection_mode="single-object",
    height=MAP_HEIGHT,
)
picked = (event.get("selection") or {}).get("objects", {}).get(COUNTRY_LAYER_ID) if event else None
if picked:
    iso3 = (picked[0].get("properties") or picked[0]).get("iso3")
    if iso3 in set(countries["iso3"]):
        st.session_state["selected"] = iso3
        current = current.replace(selected=iso3)

map_col.markdown(
    legend_html(t(f"metric.{current.metric}", lang), legend(current.metric, lo, hi, lang), lang),
    unsafe_allow_html=True,
)
if extra := layer_legend(drawn, lang):
    map_col.markdown(legend_html(t("overview.layers", lang), extra, lang), unsafe_allow_html=True)

# -- top markets and why, beside the map ------------------------------------------------------
markets = cache.overview_top_markets(current.spec, version, current.filters, lang)
with top_col:
    if markets:
        title = t("top.title", lang, n=len(markets))
        st.markdown(top_markets_html(markets, title, lang), unsafe_allow_html=True)
        st.caption(t("top.caption", lang))
    else:
        st.info(t("top.none", lang))
    st.markdown(f"[{t('top.full_table', lang, n=len(shown))}](#{FULL_TABLE_ANCHOR})")
if first_screen:
    view.publish(current)  # the link is right from the start (and a map click is kept)
    map_first.ask_for_the_rest()
what_changed(store, current.spec.to_json(), version, lang)

if current.selected:
    code = current.selected
    where = standing(
        cache.result(current.spec.to_json(), version),
        code,
        lang,
        visible=set(shown["iso3"]),
        export_controls=cache.table("export_controls", version),
        hidden_by=hiding_filters(store, ranked, current.filters, code, lang),
    )
    selection.panel(where, ranked, countries, view.publish(current), lang)

# -- ranked table ----------------------------------------------------------------------------
st.subheader(t("overview.shortlist", lang), anchor=FULL_TABLE_ANCHOR)
st.caption(
    t(
        "overview.summary",
        lang,
        n=len(shown),
        total=ranked_count(ranked),
        version=version,
    )
)
hint = search_hint(store, ranked, current.filters, shown, countries, lang)
if hint:
    st.info(hint)
if shown.empty:
    st.info(t("overview.none_match", lang))
else:
    table = cache.overview_table(current.spec.to_json(), version, current.filters, lang)
    overview_parts.ranked_table(table, lang)

# -- sharing and downloads ------------------------------------------------------------------
overview_parts.sharing(store, current, ranked, shown, lang)
overview_parts.downloads(store, current, version, lang)
