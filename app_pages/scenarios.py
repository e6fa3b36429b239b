"""Scenarios and allocation: what-ifs on the scorer's inputs, rank changes, and a risk-limited
split of a budget across a shortlist. Every choice lives in the URL."""

import pandas as pd
import streamlit as st

from risk.allocation import allocate
from risk.errors import RiskError
from risk.gates import reason_label
from risk.i18n import t
from risk.mapview import country_deck
from risk.overview import legend_html
from risk.scenarios import (
    KINDS,
    QUERY_KEYS,
    ScenarioView,
    allocation_frame,
    allocation_inputs,
    change_legend,
    map_properties,
    movers,
    param_key,
    parse_scenarios,
    run,
    scenario_label,
    scenarios_text,
    top_eligible,
    view_from_widgets,
    widget_state,
)
from risk.share import from_query, to_query
from risk.spec import ScoreSpec
from ui import state, view

lang = state.lang()
version = state.store().data_version
countries = state.table("countries", version)
warnings = view.init_view()  # the shared view (weights, methods, date) comes from the URL
shared, bad_link = from_query(st.query_params.to_dict(), ScoreSpec.from_preset("balanced"))
shared = shared.replace(lang=lang, spec=shared.spec.replace(data_version=version))
warnings += bad_link
spec_json = shared.spec.to_json()
NAME = "name_zh_tw" if lang != "en" else "name_en"
names = dict(zip(countries["iso3"], countries[NAME], strict=True))
ss = st.session_state


@st.cache_data(show_spinner=False, max_entries=32)
def rank_changes(spec_json: str, data_version: str, sc: str) -> tuple[pd.DataFrame, list[str]]:
    res = run(state.engine(data_version), ScoreSpec.from_json(spec_json), parse_scenarios(sc))
    return res.table, list(res.notes)


@st.cache_data(show_spinner=False, max_entries=32)
def draws(spec_json: str, data_version: str, sc: str, shortlist: tuple[str, ...]):  # type: ignore[no-untyped-def]
    eng, spec = state.engine(data_version), ScoreSpec.from_json(spec_json)
    return allocation_inputs(eng, spec, parse_scenarios(sc), list(shortlist))


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
    st.warning(t("sc.link_warning", lang, detail=w))

# -- scenarios -------------------------------------------------------------------------------
blocs = [c.removeprefix("bloc_") for c in countries.columns if c.startswith("bloc_")]
regions = sorted(countries["region"].dropna().unique())
iso_options = list(countries.loc[countries["sovereign"], "iso3"])


def label(x: str) -> str:
    if x == "all":
        return t("sc.target.all", lang)
    if x in regions:
        return t(f"region.{x}", lang)
    return t(f"bloc.{x}", lang) if x in blocs else f"{names.get(x, x)} ({x})"


NO_OP = {"shift": 0.0, "factor": 1.0}
st.multiselect(
    t("sc.pick", lang),
    list(KINDS),
    key="sc_kinds",
    format_func=lambda k: t(f"sc.kind.{k}", lang),
    placeholder=t("common.choose", lang),
)
for kind in ss["sc_kinds"]:
    box = st.container(border=True)
    box.markdown(f"**{t(f'sc.kind.{kind}', lang)}** — {t(f'sc.help.{kind}', lang)}")
    for col, p in zip(box.columns(len(KINDS[kind].params)), KINDS[kind].params, strict=True):
        key, text = param_key(kind, p.name), t(f"sc.param.{p.name}", lang)
        if p.name == "iso3":
            ss[key] = [c for c in ss.get(key, []) if c in iso_options]
            col.multiselect(
                text, iso_options, key=key, format_func=label, placeholder=t("common.choose", lang)
            )
        elif p.name == "target":
            ss.setdefault(key, p.default or "all")
            extra = [] if ss[key] in ["all", *regions, *blocs, *iso_options] else [ss[key]]
            options = ["all", *regions, *blocs, *extra, *iso_options]
            col.selectbox(text, options, key=key, format_func=label)
        else:
            ss.setdefault(key, float(p.default if p.default is not None else NO_OP[p.name]))
            col.number_input(text, key=key, step=0.1 if p.name == "factor" else 0.5)

current = view_from_widgets(ss)
sc_text = scenarios_text(current.scenarios)
try:
    table, _ = rank_changes(spec_json, version, sc_text)
    table = table.copy()
except RiskError as exc:
    st.error(t("sc.error", lang, detail=str(exc)))
    st.stop()
cols = {NAME: "name", "iso3": "iso3", "rank_before": "rank_before", "rank": "rank",
        "rank_change": "rank_change", "score_before": "score_before", "score": "score",
        "reason": "reason"}  # fmt: skip
headers = {c: t(f"sc.col.{c}", lang) if c != "iso3" else "ISO3" for c in cols.values()}
for c in ("score_before", "score"):  # one decimal, as on the overview
    headers[c] = st.column_config.NumberColumn(t(f"sc.col.{c}", lang), format="%.1f")
if not current.scenarios:
    st.info(t("sc.none", lang))
else:
    st.markdown("\n".join(f"- {scenario_label(sc.to_text(), lang)}" for sc in current.scenarios))
    gated = table["eligible_before"] & ~table["eligible"].astype(bool)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("sc.metric.newly_ineligible", lang), int(gated.sum()))
    c2.metric(t("sc.metric.up", lang), int((table["rank_change"] > 0).sum()))
    c3.metric(t("sc.metric.down", lang), int((table["rank_change"] < 0).sum()))
    st.subheader(t("sc.movers", lang))
    moved = movers(table.assign(reason=[reason_label(r, lang) for r in table["reason"]]), 10)[
        list(cols)
    ].rename(columns=cols)
    st.dataframe(moved, hide_index=True, key="sc_movers", column_config=headers)
    st.subheader(t("sc.map", lang))
    deck = country_deck(
        state.geometry(), map_properties(table, lang), "{name} ({iso3})\n{change_text}"
    )
    st.pydeck_chart(deck, key="sc_map", height=460)
    st.markdown(legend_html(t("sc.map", lang), change_legend(lang)), unsafe_allow_html=True)
table["reason"] = [reason_label(r, lang) for r in table["reason"]]
with st.expander(t("sc.table", lang), expanded=not current.scenarios):
    full = table[list(cols)].rename(columns=cols)
    st.dataframe(full, hide_index=True, key="sc_table", column_config=headers)

# -- allocation ------------------------------------------------------------------------------
st.header(t("sc.alloc.heading", lang))
st.caption(t("sc.alloc.intro", lang))
ranked = top_eligible(table, len(table))
ss["al_short"] = [c for c in ss.get("al_short", []) if c in iso_options]
c1, c2, c3 = st.columns([4, 1, 1])
short_options = ranked + [c for c in iso_options if c not in ranked]
c1.multiselect(
    t("sc.alloc.shortlist", lang),
    short_options,
    key="al_short",
    format_func=label,
    placeholder=t("common.choose", lang),
)
c2.number_input(t("sc.alloc.top_n", lang), 1, 50, key="al_top")
c3.number_input(t("sc.alloc.budget", lang), min_value=0.0, key="al_budget")
c1, c2, c3, c4, c5 = st.columns(5)
c1.slider(t("sc.alloc.max_share", lang), 1, 100, key="al_maxc")
c2.slider(t("sc.alloc.max_region", lang), 1, 100, key="al_maxr")
c3.slider(t("sc.alloc.min_financial", lang), 0.0, 100.0, key="al_minfin")
c4.slider(t("sc.alloc.risk_aversion", lang), 0.0, 1.0, step=0.05, key="al_ra")
c5.slider(t("sc.alloc.tail", lang), 1, 100, key="al_tail")
current = view_from_widgets(ss)
shortlist = current.shortlist or tuple(ranked[: current.top_n])
try:
    inputs, today_in = (draws(spec_json, version, s, shortlist) for s in (sc_text, ""))
    results = [
        allocate(i.draws, current.budget, i.iso3, eligible=i.eligible, regions=i.regions,
                 financial=i.financial, states=i.states, limits=current.limits)
        for i in (inputs, today_in)
    ]  # fmt: skip
except RiskError as exc:
    st.error(t("sc.alloc.error", lang, detail=str(exc)))
    results = []
if results:
    result, today = results
    c1, c2, c3 = st.columns(3)
    c1.metric(t("sc.alloc.expected", lang), f"{result.expected_score:.1f}")
    tail = t("sc.alloc.tail_score", lang, tail=f"{result.limits.tail:.0%}")
    c2.metric(tail, f"{result.tail_score:.1f}")
    worst = t("sc.alloc.worst", lang, state=scenario_label(result.worst_state, lang))
    c3.metric(worst, f"{result.worst_case:.1f}")
    if current.scenarios:
        before, now = f"{today.expected_score:.1f}", f"{result.expected_score:.1f}"
        st.caption(t("sc.alloc.change", lang, today=before, now=now))
    frame = allocation_frame(result, today, inputs, lang)
    frame["iso3"] = frame["iso3"].map(label)
    frame["region"] = frame["region"].map(lambda r: t(f"region.{r}", lang))
    col_labels = {c: t(f"sc.col.{'name' if c == 'iso3' else c}", lang) for c in frame.columns}
    st.dataframe(frame.round(2), hide_index=True, key="al_table", column_config=col_labels)
    states = pd.DataFrame(
        {
            "state": [scenario_label(s, lang) for s in result.by_state],
            "score": list(result.by_state.values()),
        }
    )
    state_labels = {"state": t("sc.alloc.state", lang), "score": t("sc.alloc.state_score", lang)}
    st.dataframe(states.round(2), hide_index=True, key="al_states", column_config=state_labels)
    if result.binding:
        parts = [b.partition(":") for b in result.binding]
        items = [f"{t(f'sc.bound.{k}', lang)} {label(v)}" for k, _, v in parts]
        st.caption(t("sc.alloc.binding", lang, items="; ".join(items)))
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
