"""Scenarios and allocation: what-ifs on the scorer's inputs, rank changes, and a risk-limited
split of a budget across a shortlist. Every choice lives in the URL."""

from typing import Any

import streamlit as st

from risk.errors import RiskError
from risk.gates import reason_label
from risk.i18n import name_column, t
from risk.present.maps import country_deck
from risk.present.overview import legend_html
from risk.present.scenarios import (
    allocation_error_text,
    change_legend,
    map_properties,
    scenario_label,
)
from risk.scenarios.allocation import AllocationError
from risk.scenarios.kinds import scenarios_text
from risk.scenarios.runs import MEANINGFUL_MOVE, change_counts, movers
from risk.scenarios.shortlist import top_eligible
from risk.scenarios.view import QUERY_KEYS, ScenarioView, view_from_widgets, widget_state
from risk.share import from_query, to_query
from risk.spec import ScoreSpec
from risk.text import md_text
from ui import cache, state, view
from ui.scenario_controls import ScenarioChoices
from ui.scenario_parts import allocation_results
from ui.watchlists import start_control as start_from_watchlist

lang = state.lang()
version = cache.store().data_version
countries = cache.table("countries", version)
warnings = view.init_view()  # the shared view (weights, methods, date) comes from the URL
shared, bad_link = from_query(st.query_params.to_dict(), ScoreSpec.from_preset("balanced"))
shared = shared.replace(lang=lang, spec=shared.spec.replace(data_version=version))
warnings += bad_link
spec_json = shared.spec.to_json()
NAME = name_column(lang)
names = dict(zip(countries["iso3"], countries[NAME], strict=True))
ss = st.session_state


# Seed the widgets from the URL (or, after a page switch, from this session's last view).
source = {k: v for k, v in st.query_params.to_dict().items() if k in QUERY_KEYS}
source = source or ss.get("_sc_query", {})
if source != ss.get("_sc_seeded") or "al_top" not in ss:
    seeded, bad = ScenarioView.from_query(source)
    warnings += bad
    if len({s.kind for s in seeded.scenarios}) < len(seeded.scenarios):
        warnings.append(t("sc.duplicate", lang))
    ss.update(widget_state(seeded))
    ss["_sc_seeded"] = source

st.title(t("sc.title", lang))
st.caption(t("sc.intro", lang))
for w in warnings:
    st.warning(t("sc.link_warning", lang, detail=md_text(w)))

# -- scenarios -------------------------------------------------------------------------------
choices = ScenarioChoices(countries, names, lang, cache.picker_labels(version, lang))
choices.scenario_controls()
current = view_from_widgets(ss)
sc_text = scenarios_text(current.scenarios)
try:
    table, _ = cache.rank_changes(spec_json, version, sc_text)
    table = table.copy()
except RiskError as exc:
    st.error(t("sc.error", lang, detail=md_text(exc)))
    st.stop()
cols = {NAME: "name", "iso3": "iso3", "rank_before": "rank_before", "rank": "rank",
        "rank_change": "rank_change", "score_before": "score_before", "score": "score",
        "reason": "reason"}  # fmt: skip
headers: dict[str, Any] = {
    c: t(f"sc.col.{c}", lang) if c != "iso3" else "ISO3" for c in cols.values()
}
for c in ("score_before", "score"):  # one decimal, as on the overview
    headers[c] = st.column_config.NumberColumn(t(f"sc.col.{c}", lang), format="%.1f")
if not current.scenarios:
    st.info(t("sc.none", lang))
else:
    st.markdown("\n".join(f"- {scenario_label(sc.to_text(), lang)}" for sc in current.scenarios))
    for col, (key, n) in zip(st.columns(3), change_counts(table).items(), strict=True):
        col.metric(t(f"sc.metric.{key}", lang, n=MEANINGFUL_MOVE), n)
    st.subheader(t("sc.movers", lang))
    moved = movers(table.assign(reason=[reason_label(r, lang) for r in table["reason"]]), 10)[
        list(cols)
    ].rename(columns=cols)
    st.dataframe(moved, hide_index=True, key=state.lang_key("sc_movers"), column_config=headers)
    st.subheader(t("sc.map", lang))
    deck = country_deck(
        cache.geometry(), map_properties(table, lang), "{name} ({iso3})\n{change_text}"
    )
    st.pydeck_chart(deck, key="sc_map", height=460)
    st.markdown(legend_html(t("sc.map", lang), change_legend(lang), lang), unsafe_allow_html=True)
table["reason"] = [reason_label(r, lang) for r in table["reason"]]
with st.expander(t("sc.table", lang), expanded=not current.scenarios):
    full = table[list(cols)].rename(columns=cols)
    st.dataframe(full, hide_index=True, key=state.lang_key("sc_table"), column_config=headers)

# -- allocation ------------------------------------------------------------------------------
st.header(t("sc.alloc.heading", lang))
st.caption(t("sc.alloc.intro", lang))
ranked = top_eligible(table, len(table))
start_from_watchlist(lang, choices.iso_options)
choices.allocation_controls(ranked)
current = view_from_widgets(ss)
shortlist = current.shortlist or tuple(ranked[: current.top_n])
try:
    inputs, today_in = (cache.draws(spec_json, version, s, shortlist) for s in (sc_text, ""))
    results = [i.allocate(current.budget, current.limits) for i in (inputs, today_in)]
except RiskError as exc:
    detail = allocation_error_text(exc, lang) if isinstance(exc, AllocationError) else str(exc)
    st.error(t("sc.alloc.error", lang, detail=md_text(detail)))
    results = []
if results:
    result, today = results
    allocation_results(result, today, inputs, bool(current.scenarios), choices.label, lang)
with st.expander(t("sc.alloc.method", lang)):
    st.markdown(t("sc.alloc.method_text", lang))

# -- the URL: the shared view plus this page's choices -----------------------------------------
mine = current.to_query()
query = {**to_query(shared), **mine}
ss["_sc_query"], ss["_sc_seeded"], ss[view.LAST_QUERY] = mine, mine, query
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)
with st.expander(t("sc.share", lang)):
    st.caption(t("sc.share_help", lang))
    base_url = (st.context.url or "").split("?")[0]
    link = base_url + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    st.code(link, language=None, wrap_lines=True)
