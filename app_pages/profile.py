"""Country profile: why a country scores as it does, its status, its data, and a one-page brief."""

from functools import partial
from typing import Literal

import streamlit as st

from risk.framework import PILLARS
from risk.gates import reason_label
from risk.i18n import colon, name_column, t
from risk.ingest.sources import publisher_of
from risk.present.brief import MIME, brief, brief_file_name
from risk.present.charts import pillar_bars_html, series_chart
from risk.present.maps import locator_deck
from risk.present.overview import layer_legend, legend_html
from risk.present.profile import (
    buildout_summary,
    cluster_view,
    display_frame,
    epoch_citation,
    partnership_view,
)
from risk.text import fmt_number, md_text
from ui import cache, maps, state, view
from ui.changes import profile_section as what_changed

LOCATOR_TABLES = ("cloud_regions", "landing_points")  # the page reads these itself

lang = state.lang()
store = cache.store()
scored = view.scored_view(lang)
shared, version, result = scored.shared, scored.version, scored.result
names, options = scored.names, scored.options
tables = {name: cache.table(name, version) for name in ("countries", *LOCATOR_TABLES)}


def _pick() -> None:
    picked = st.session_state["profile_country"]
    st.session_state["selected"] = picked
    st.query_params["country"] = picked  # the URL first, so init_view keeps the new choice


def _table(where, frame, key: str, formats=None, **config) -> None:  # type: ignore[no-untyped-def]
    """A table with translated headers (cells are data: st.dataframe renders them as text);
    "none" in words when there is nothing to list, "–" for a missing number."""
    if frame.empty:
        where.caption(t("profile.none", lang))
        return
    labels: dict = {c: t(f"profile.col.{c}", lang) for c in frame.columns}
    # numbers with a fixed format arrive as text, right-aligned (no pandas Styler: Streamlit
    # converts a Styler cell by cell on every run)
    labels |= {c: text(c, None, "right") for c in formats or {}}
    shown = display_frame(frame, formats or {})
    where.dataframe(shown, hide_index=True, key=state.lang_key(key), column_config=labels | config)


def text(col: str, width: int | None, align: Literal["left", "right"] = "left"):  # type: ignore[no-untyped-def]
    """A text column with its translated header."""
    return st.column_config.TextColumn(t(f"profile.col.{col}", lang), width=width, alignment=align)


st.title(t("profile.title", lang))
selected = shared.selected if shared.selected in options else None
st.session_state["profile_country"] = selected
st.selectbox(
    t("profile.choose", lang),
    options,
    key="profile_country",
    format_func=lambda c: scored.labels.get(c, f"{names.get(c, c)} ({c})"),
    placeholder=t("profile.choose_placeholder", lang),
    on_change=_pick,
)
query = view.publish(shared.replace(selected=selected, lang=lang))
links = st.columns(3)
links[0].page_link("app_pages/overview.py", label=t("profile.back", lang), query_params=query)
if selected is None:
    st.info(t("profile.pick_help", lang))
    st.stop()
compare_set = tuple(dict.fromkeys((*shared.compare, selected)))[-5:]
links[1].page_link(
    "app_pages/compare.py",
    label=t("profile.to_compare", lang),
    query_params={**query, "compare": ",".join(compare_set)},
)
profile = cache.profile(shared.spec.to_json(), version, selected, lang)

# -- headline --------------------------------------------------------------------------------
st.header(md_text(f"{profile.name(lang)} · {profile.other_name(lang)} ({profile.iso3})"))
region = t(f"region.{profile.region}", lang) if profile.region else "–"
income = t(f"income.{profile.income_group}", lang) if profile.income_group else "–"
business = t(f"bregion.{profile.business_region}", lang) if profile.business_region else "–"
st.caption(
    md_text(
        f"{region} · {t(f'subregion.{profile.subregion}', lang)} · {income} · "
        f"{t('profile.business_region', lang)}{colon(lang)}{business} · "
        f"{t('app.data_version', lang)} {version}"
    )
)
cols = st.columns(4)
cols[0].metric(
    t("metric.score", lang), "–" if profile.score != profile.score else f"{profile.score:.1f}"
)
cols[1].metric(t("col.rank", lang), profile.rank_text())
cols[2].metric(t("profile.interval", lang), profile.interval_text())
cols[3].metric(
    t("col.eligible", lang),
    t("profile.eligible", lang) if profile.eligible else t("common.no", lang),
)
if not profile.eligible:
    st.error(t("profile.ineligible", lang, reason=reason_label(profile.reason, lang)))
if profile.imputed_count:
    st.warning(t("profile.imputed_note", lang, n=profile.imputed_count))
if profile.low_coverage:
    st.warning(t("profile.low_coverage", lang))

with st.container(horizontal=True):
    for fmt in ("pdf", "png"):
        st.download_button(
            t(f"profile.download_{fmt}", lang),
            data=partial(brief, profile, lang, fmt),
            file_name=brief_file_name(profile, lang, fmt),
            mime=MIME[fmt],
            key=f"brief_{fmt}",
            on_click="ignore",
        )

what_changed(store, shared.spec.to_json(), version, selected, profile.name(lang), lang)

# -- pillars ---------------------------------------------------------------------------------
st.subheader(t("profile.pillars", lang))
labels = {p: t(f"metric.{p}", lang) for p in ("score", *PILLARS)}
labels |= {k: t(f"profile.{k}", lang) for k in ("country", "region_median", "income_median")}
st.markdown(pillar_bars_html(profile.pillars, labels), unsafe_allow_html=True)

# -- status ----------------------------------------------------------------------------------
st.subheader(t("profile.status", lang))
left, right = st.columns(2)
left.markdown(f"**{t('profile.ear_groups', lang)}**")
ec = profile.export_controls
ec = ec.assign(
    role=[t(f"profile.role.{r}", lang) for r in ec["role"]],
    status=[t(f"profile.ec_status.{x}", lang) for x in ec["status"]],
)
_table(left, ec, "ec_table")
left.markdown(f"**{t('profile.diffusion', lang)}**")
_table(left, profile.diffusion, "tier_table")
right.markdown(f"**{t('profile.blocs', lang)}**")
_table(
    right,
    profile.blocs.assign(bloc=[t(f"bloc.{b}", lang) for b in profile.blocs["bloc"]]),
    "bloc_table",
)
yes, no = t("common.yes", lang), t("common.no", lang)
for key, value in profile.flags.items():
    right.text(f"{t(f'profile.flag.{key}', lang)}{colon(lang)}{yes if value else no}")
if not profile.taiwan.empty:
    _table(
        right,
        profile.taiwan.assign(relation=[t(f"tw.{r}", lang) for r in profile.taiwan["relation"]]),
        "tw_table",
    )


# -- AI build-out and US agreements ---------------------------------------------------------
source = st.column_config.LinkColumn(
    t("profile.col.link", lang), display_text=t("profile.link_text", lang), width=70
)
st.subheader(t("profile.buildout", lang))
if profile.clusters.empty:
    st.info(t("profile.no_clusters", lang))
else:
    st.caption(buildout_summary(profile.clusters, lang))
    _table(
        st,
        cluster_view(profile.clusters, lang),
        "cluster_table",
        name=text("name", 190),
        status=text("status", 70),
        h100e=text("h100e", 120, "right"),
        power_mw=text("power_mw", 85, "right"),
        owner=text("owner", 115),
        first_operational=text("first_operational", 115),
        certainty=text("certainty", 80),
        link=source,
        counted=st.column_config.CheckboxColumn(t("profile.col.counted", lang), width=70),
    )
st.caption(md_text(epoch_citation(lang)))
st.subheader(t("profile.us_deals", lang))
if profile.partnerships.empty:
    st.caption(t("profile.no_us_deals", lang))
else:
    st.caption(t("profile.us_deals_help", lang, as_of=profile.as_of))
    _table(
        st,
        partnership_view(profile.partnerships, lang),
        "us_deal_table",
        agreement=text("agreement", 230),
        kind=text("kind", 220),
        signed=text("signed", 90),
        source_title=text("source_title", 200),
        link=source,
    )

# -- indicators ------------------------------------------------------------------------------
st.subheader(t("profile.indicators", lang))
st.caption(t("profile.indicators_help", lang))
indicators = profile.indicators.assign(
    pillar=[labels.get(p, p) for p in profile.indicators["pillar"]],
    value=[fmt_number(v, lang) for v in profile.indicators["value"]],  # 2.16 trillion, 2.16兆
    source=[publisher_of(s) for s in profile.indicators["source"]],
)
_table(
    st,
    indicators,
    "indicator_table",
    indicator=st.column_config.TextColumn(t("profile.col.indicator", lang), width=260),
    unit=st.column_config.TextColumn(t("profile.col.unit", lang), width=150),
    formats={
        "year": "{:.0f}",
        "normalised": "{:.1f}",
        "percentile": "{:.0f}",
        "weight": "{:.3f}",
        "contribution": "{:.2f}",
    },
)
if not profile.series.empty:
    # drawn when opened: the chart library is the largest script the page would otherwise load
    n = profile.series["indicator"].nunique()
    trends = st.expander(
        t("profile.series_n", lang, n=n), key="profile_trends_open", on_change="rerun"
    )
    if trends.open:
        trends.altair_chart(series_chart(profile.series))

# -- infrastructure and policy ---------------------------------------------------------------
left, right = st.columns(2)
left.subheader(t("profile.cloud", lang))
cloud = profile.cloud
text_cols = cloud.select_dtypes(include=["object", "string"]).columns
cloud = cloud.assign(**{c: cloud[c].fillna("") for c in text_cols})  # blank, not "None"
_table(
    left,
    cloud.assign(provider_origin=[t(f"origin.{o}", lang) for o in cloud["provider_origin"]]),
    "cloud_table",
)
right.subheader(t("profile.landings", lang))
_table(right, profile.landings, "landing_table")
if not (profile.cloud.empty and profile.landings.empty):
    # drawn when opened, like the trends: a second map would hold the page back as it loads
    where = st.expander(t("profile.locator_map", lang), key="profile_map_open", on_change="rerun")
    if where.open:
        here = {k: tables[k] for k in LOCATOR_TABLES if tables.get(k) is not None}
        points = {k: v[v["iso3"] == selected] for k, v in here.items()}
        labels_by_iso3 = tables["countries"][["iso3", name_column(lang)]]
        deck = locator_deck(
            cache.geometry(),
            selected,
            labels_by_iso3.set_axis(["iso3", "name"], axis=1),
            cloud=points.get("cloud_regions"),
            landings=points.get("landing_points"),
        )
        maps.show(where, deck, version, key="profile_map", height=420)
        legend = layer_legend({"cloud", "landings"}, lang)
        where.markdown(
            legend_html(t("overview.layers", lang), legend, lang), unsafe_allow_html=True
        )
st.subheader(t("profile.policy", lang))
pol = profile.policy
_table(st, pol.assign(scope=[t(f"profile.scope.{x}", lang) for x in pol["scope"]]), "policy_table")
