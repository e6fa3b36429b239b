"""Overview: the score map, the ranked shortlist, filters, weights and a shareable link."""

from datetime import date
from functools import partial

import streamlit as st

from risk.framework import PILLARS
from risk.i18n import t
from risk.paths import DATASETS_DIR
from risk.present.exports import MIME as EXPORT_MIME
from risk.present.exports import export_file_name, ranking_bytes
from risk.present.maps import COUNTRY_LAYER_ID, overview_deck, preset_view, view_name
from risk.present.overview import (
    NOTE_LAYERS,
    arcs,
    layer_legend,
    legend,
    legend_html,
    search_hint,
    status_outlines,
    table_layout,
    tooltip_text,
)
from risk.present.pack import MIME as PACK_MIME
from risk.present.pack import pack_file_name
from risk.present.pack_file import pack_bytes
from risk.present.selection import hiding_filters, standing
from risk.present.top import top_markets_html
from risk.scoring.result import ranked_count
from risk.share import save_view
from risk.text import md_text
from ui import cache, maps, selection, state, view
from ui.changes import overview_section as what_changed
from ui.watchlists import save_control as save_watchlist

MAP_HEIGHT = 440
FULL_TABLE_ANCHOR = "ranking"

lang = state.lang()
store = cache.store()
countries = cache.table("countries", store.data_version)
warnings = view.init_view()

view.weight_controls(lang)
view.filter_controls(lang, countries[countries["sovereign"]])

# Less space above the title, so the map and the top markets fit the first screen (1440 x 900).
st.html("<style>[data-testid=stMainBlockContainer]{padding:2.5rem 3rem 4rem 3rem}</style>")
st.title(t("app.title", lang))
st.caption(t("app.subtitle", lang))
for w in warnings:
    st.warning(t("overview.link_warning", lang, detail=md_text(w)))

map_col, top_col = st.columns([3, 2], gap="medium")
with map_col:
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
buildout = built if "buildout" in layers else None
deals = cache.us_deals(version, current.spec.as_of)
props, lo, hi = cache.overview_map_properties(
    current.spec, version, current.filters, current.metric, lang, layers
)
deck = overview_deck(
    cache.geometry(),
    props,
    tooltip_text(current.metric, lang, notes=bool(layers & NOTE_LAYERS)),
    arcs=arcs(shown, countries, current.top_n) if "arcs" in layers else None,
    cloud=cache.table("cloud_regions", version) if "cloud" in layers else None,
    landings=cache.table("landing_points", version) if "landings" in layers else None,
    cables=cache.geometry(str(DATASETS_DIR / "cables.geojson")) if "cables" in layers else None,
    buildout=buildout,
    us_deals=set(deals["iso3"]) if "us_deals" in layers else None,
    outlines=status_outlines(ranked),
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
if extra := layer_legend(layers, lang):
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
    fitted = table_layout(table, lang).widths  # fits 1440 x 900 without a sideways scrollbar
    bars = {
        p: st.column_config.ProgressColumn(
            t(f"col.{p}", lang), min_value=0, max_value=100, format="%.0f", width=fitted[p]
        )
        for p in PILLARS
    }
    text = st.column_config.TextColumn
    st.dataframe(
        table,
        hide_index=True,
        key=state.lang_key("ranked_table"),
        column_order=list(fitted),
        column_config={
            "rank": st.column_config.NumberColumn(
                t("col.rank", lang), format="%d", width=fitted["rank"]
            ),
            "name": text(t("col.name", lang), width=fitted["name"]),
            "name_other": text(t("col.name_other", lang), width=fitted.get("name_other")),
            "iso3": text(t("col.iso3", lang), width=fitted["iso3"]),
            "score": st.column_config.NumberColumn(
                t("col.score", lang), format="%.1f", width=fitted["score"]
            ),
            **bars,
            "interval": text(t("col.interval", lang), width=fitted["interval"]),
            "coverage": st.column_config.ProgressColumn(
                t("col.coverage", lang),
                min_value=0,
                max_value=100,
                format="%.0f%%",
                width=fitted.get("coverage"),
            ),
            "eligible": st.column_config.CheckboxColumn(t("col.eligible", lang)),
            "reason": text(t("col.reason", lang), width=fitted.get("reason")),
        },
    )

# -- sharing ---------------------------------------------------------------------------------
query = view.publish(current)
share = st.expander(t("overview.share", lang), key="share_open", on_change="rerun")
with share:
    st.caption(t("overview.share_help", lang))
    base = (st.context.url or "").split("?")[0]
    if share.open:  # the link is drawn when someone opens the panel (a code block is costly)
        st.code(
            base + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
            language=None,
            wrap_lines=True,
        )
    if st.button(t("overview.save_view", lang), key="save_view"):
        vid = save_view(store, query)
        st.code(f"{base}?view={vid}", language=None)
save_watchlist(store, current, ranked, shown, lang)

# -- downloads -------------------------------------------------------------------------------
with st.expander(t("export.title", lang)):
    st.caption(t("export.help_view", lang, version=version))
    for col, fmt in zip(st.columns(3), ("csv", "json", "xlsx"), strict=True):
        col.download_button(
            t("export.sidecar" if fmt == "json" else f"export.{fmt}", lang),
            data=partial(ranking_bytes, cache.engine(version), store, current, fmt),
            file_name=export_file_name(current, version, "csv") + ".json"
            if fmt == "json"
            else export_file_name(current, version, fmt),
            mime=EXPORT_MIME[fmt],
            key=f"export_{fmt}",
            on_click="ignore",
        )
    st.caption(t("pack.help", lang, n=current.top_n or 10))
    for col, fmt in zip(st.columns(2), ("pptx", "pdf"), strict=True):
        col.download_button(
            t("pack.download" if fmt == "pptx" else "pack.download_pdf", lang),
            data=partial(pack_bytes, cache.engine(version), store, current, fmt, cache.geometry()),
            file_name=pack_file_name(current, version, fmt),
            mime=PACK_MIME[fmt],
            key=f"pack_{fmt}",
            on_click="ignore",
        )
