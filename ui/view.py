"""The shared view: widgets <-> ViewState <-> URL. Every page reads the view from here, so a pasted
link reopens the same view and switching pages keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from risk.framework import PILLARS, list_presets, load_framework
from risk.i18n import name_column, t
from risk.present.overview import balance_weights
from risk.present.profile import scored_iso3
from risk.schema import BUSINESS_REGIONS
from risk.scoring.result import ScoreResult
from risk.share import (
    BLOC_FILTERS,
    ELIGIBILITY,
    LAYERS,
    MAP_VIEW_NAMES,
    TAIWAN_FILTERS,
    Filters,
    ViewState,
    from_query,
    load_view,
    to_query,
)
from risk.spec import AGGREGATIONS, IMPUTATIONS, NORMALISATIONS, OUTLIER_METHODS, ScoreSpec
from risk.text import md_text
from ui import cache, state

W = {p: f"w_{p}" for p in PILLARS}
MIN = {p: f"f_min_{p}" for p in PILLARS}
LAST_QUERY = "_view_query"
VERSION_GONE = "_version_gone"  # a pinned version the store no longer has (said once)
UNKNOWN_COUNTRY = "_unknown_country"  # a link named a country the data does not have (said once)
VIEW_METRICS = ("score", *PILLARS)


def _to_percent(weights: dict[str, float]) -> dict[str, int]:
    total = sum(weights.values()) or 1.0
    raw = {k: 100 * v / total for k, v in weights.items()}
    first = next(iter(raw))
    return balance_weights(raw, first)


def _push(view: ViewState) -> None:
    """Put a view's values into the widgets' session-state keys."""
    ss = st.session_state
    spec, f = view.spec, view.filters
    ss["preset"] = spec.preset if spec.preset in list_presets() else "custom"
    for p, v in _to_percent(dict(spec.pillar_weights)).items():
        ss[W[p]] = v
    ss["normalisation"], ss["aggregation"] = spec.normalisation, spec.aggregation
    ss["imputation"], ss["outliers"] = spec.imputation, spec.outliers
    ss["as_of"] = date.fromisoformat(spec.as_of)
    ss["d_penalty"], ss["mc_draws"], ss["seed"] = (
        float(spec.d_group_penalty),
        int(spec.mc_draws),
        int(spec.seed),
    )
    ss["f_market"] = list(f.markets)
    ss["f_region"], ss["f_subregion"], ss["f_income"] = (
        list(f.regions),
        list(f.subregions),
        list(f.incomes),
    )
    ss["f_bloc"], ss["f_tw"], ss["f_elig"] = list(f.blocs), list(f.taiwan), f.eligibility
    mins = dict(f.min_pillar)
    for p in PILLARS:
        ss[MIN[p]] = float(mins.get(p, 0.0))
    ss["f_mincov"], ss["f_search"] = int(round(f.min_coverage * 100)), f.search
    ss["metric"], ss["layers"], ss["top_n"] = (
        view.metric if view.metric in VIEW_METRICS else "score",
        list(view.layers),
        view.top_n,
    )
    ss["mapview"] = view.map_view
    # Countries from a link are kept only if known: anything else is said once, never echoed.
    known = set(cache.table("countries", cache.store().data_version)["iso3"])
    if any(c not in known for c in (view.selected, *view.compare) if c):
        ss[UNKNOWN_COUNTRY] = True
    ss["selected"] = view.selected if view.selected in known else None
    ss["compare"] = [c for c in view.compare if c in known]
    ss["_spec_extra"] = spec
    # A link made on another data version keeps showing that version (if the store has it, even
    # rolled back); one the store no longer has says so and shows the current data.
    pinned: str | None = st.query_params.get("version") or spec.data_version
    current = cache.store().data_version
    if pinned and pinned != current and not state.version_exists(pinned):
        ss[VERSION_GONE] = pinned
        pinned = None
    ss["_pinned"] = pinned if pinned and pinned != current else None


def init_view() -> list[str]:
    """Read the URL once per change: a saved-view id is expanded; a new URL re-seeds the widgets."""
    warnings = _init_view()
    if gone := st.session_state.pop(VERSION_GONE, None):
        warnings.append(t("app.version_gone", state.lang(), version=gone))
    if st.session_state.pop(UNKNOWN_COUNTRY, None):
        warnings.append(t("link.unknown_country", state.lang()))
    return warnings


def _init_view() -> list[str]:
    params = st.query_params.to_dict()
    warnings: list[str] = []
    if vid := params.get("view"):
        try:
            params = {**load_view(cache.store(), vid), "lang": state.lang()}
        except Exception:  # noqa: BLE001 (a bad short link must not break the page)
            warnings.append(t("link.unknown_view", state.lang()))
            params = {}
        st.query_params.from_dict(params)
    last = st.session_state.get(LAST_QUERY)
    if last and (W[PILLARS[0]] not in st.session_state or state.page_switched()):
        # Page switch inside the app: Streamlit dropped this page's widget state (or it was never
        # drawn, on a first screen), and the URL may have lost its parameters; the session kept
        # the last view, so restore both from it.
        if "spec" not in params:
            params = {**last, "lang": state.lang()}
            st.query_params.from_dict(params)
        _push(from_query(params)[0])
        return warnings
    comparable = {k: v for k, v in params.items() if k != "lang"}
    if last is None or comparable != {k: v for k, v in last.items() if k != "lang"}:
        default = ScoreSpec.from_preset("balanced", data_version=cache.store().data_version)
        view, bad = from_query(params, default)
        warnings += bad
        _push(view)
        st.session_state[LAST_QUERY] = to_query(view.replace(lang=state.lang()))
    return warnings


def current_view() -> ViewState:
    """The view the widgets describe now."""
    ss = st.session_state
    preset = ss.get("preset", "balanced")
    base: ScoreSpec = ss.get("_spec_extra") or ScoreSpec.from_preset("balanced")
    if preset != "custom":
        base = ScoreSpec.from_preset(preset, as_of=base.as_of)
    spec = base.replace(
        preset=preset,
        pillar_weights=tuple((p, float(ss.get(W[p], 25))) for p in PILLARS),
        normalisation=ss.get("normalisation", "minmax"),
        aggregation=ss.get("aggregation", "arithmetic"),
        imputation=ss.get("imputation", "group_median"),
        outliers=ss.get("outliers", "winsorise"),
        as_of=(ss.get("as_of") or date.today()).isoformat(),
        d_group_penalty=float(ss.get("d_penalty", 0.0)),
        mc_draws=int(ss.get("mc_draws", 1000)),
        seed=int(ss.get("seed", 0)),
        data_version=state.resolve_version(st.session_state.get("_pinned")),
    )
    filters = Filters(
        markets=tuple(ss.get("f_market", [])),
        regions=tuple(ss.get("f_region", [])),
        subregions=tuple(ss.get("f_subregion", [])),
        incomes=tuple(ss.get("f_income", [])),
        blocs=tuple(ss.get("f_bloc", [])),
        taiwan=tuple(ss.get("f_tw", [])),
        eligibility=ss.get("f_elig", "eligible"),
        min_pillar=tuple((p, float(ss[MIN[p]])) for p in PILLARS if ss.get(MIN[p], 0) > 0),
        min_coverage=ss.get("f_mincov", 0) / 100,
        search=ss.get("f_search", ""),
    )
    return ViewState(
        spec=spec,
        filters=filters,
        metric=ss.get("metric", "score"),
        layers=tuple(ss.get("layers", [])),
        top_n=int(ss.get("top_n", 10)),
        selected=ss.get("selected"),
        compare=tuple(ss.get("compare", [])),
        lang=state.lang(),
        map_view=ss.get("mapview", "auto"),
    )


def publish(view: ViewState) -> dict[str, str]:
    """Write the view to the URL (only when it changed) and remember it for page switches."""
    query = to_query(view)
    st.session_state[LAST_QUERY] = query
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return query


# -- widgets ---------------------------------------------------------------------------------
def _on_preset() -> None:
    name = st.session_state["preset"]
    if name == "custom":
        return
    preset = load_framework().preset(name)
    for p, v in _to_percent(dict(preset.pillar_weights)).items():
        st.session_state[W[p]] = v
    st.session_state["_spec_extra"] = ScoreSpec.from_preset(name)


def _on_weight(changed: str) -> None:
    weights = {p: float(st.session_state[W[p]]) for p in PILLARS}
    balanced = balance_weights(weights, changed)
    for p, v in balanced.items():
        st.session_state[W[p]] = v
    # A change that leaves the preset's own weights (a slider moved and back, or a rerun that
    # re-sends unchanged values, as a language switch can on a busy server) keeps the preset.
    name = st.session_state.get("preset")
    if name in list_presets():
        ours = _to_percent(dict(load_framework().preset(name).pillar_weights))
        if {p: int(v) for p, v in balanced.items()} == ours:
            return
    st.session_state["preset"] = "custom"


def _option_label(prefix: str, lang: str, value: str) -> str:
    return t(f"{prefix}.{value}", lang)


def weight_controls(lang: str) -> None:
    sb = st.sidebar
    sb.subheader(t("overview.weights", lang))
    options = [*list_presets(), "custom"]
    sb.selectbox(
        t("overview.preset", lang),
        options,
        key="preset",
        on_change=_on_preset,
        format_func=lambda p: t(f"preset.{p}", lang),
    )
    for p in PILLARS:
        sb.slider(
            t(f"metric.{p}", lang),
            0,
            100,
            key=W[p],
            step=1,
            format="%d%%",
            on_change=_on_weight,
            args=(p,),
        )
    with sb.expander(t("overview.advanced", lang)):
        methods: list[tuple[str, tuple[str, ...]]] = [
            ("normalisation", NORMALISATIONS),
            ("aggregation", AGGREGATIONS),
            ("imputation", IMPUTATIONS),
            ("outliers", OUTLIER_METHODS),
        ]
        for key, method_options in methods:
            st.selectbox(
                t(f"overview.{key}", lang),
                method_options,
                key=key,
                format_func=lambda m: t(f"method.{m}", lang),
            )
        st.date_input(t("overview.as_of", lang), key="as_of")
        st.number_input(t("overview.d_penalty", lang), 0.0, 50.0, step=1.0, key="d_penalty")
        st.number_input(t("overview.mc_draws", lang), 0, 10000, step=100, key="mc_draws")
        st.number_input(t("overview.seed", lang), 0, 2**31 - 1, step=1, key="seed")


def filter_controls(lang: str, countries) -> None:  # type: ignore[no-untyped-def]
    sb = st.sidebar
    sb.subheader(t("overview.filters", lang))
    sb.text_input(t("countries.search", lang), key="f_search")
    regions = sorted(countries["region"].dropna().unique())
    subregions = sorted(countries["subregion"].dropna().unique())
    incomes = ["High income", "Upper middle income", "Lower middle income", "Low income"]
    choices: list[tuple[str, list[str], str, str]] = [
        ("col.business_region", list(BUSINESS_REGIONS), "f_market", "bregion"),
        ("col.region", regions, "f_region", "region"),
        ("col.subregion", subregions, "f_subregion", "subregion"),
        ("col.income_group", incomes, "f_income", "income"),
        ("overview.blocs", list(BLOC_FILTERS), "f_bloc", "bloc"),
        ("overview.taiwan", list(TAIWAN_FILTERS), "f_tw", "tw"),
    ]
    for label, options, key, prefix in choices:
        sb.multiselect(
            t(label, lang),
            options,
            key=key,
            format_func=partial(_option_label, prefix, lang),
            placeholder=t("common.choose", lang),
        )
    sb.radio(
        t("overview.eligibility", lang),
        ELIGIBILITY,
        key="f_elig",
        format_func=lambda e: t(f"elig.{e}", lang),
        horizontal=True,
    )
    with sb.expander(t("overview.thresholds", lang)):
        for p in PILLARS:
            st.slider(
                t("overview.min_pillar", lang, pillar=t(f"metric.{p}", lang)),
                0.0,
                100.0,
                step=5.0,
                key=MIN[p],
            )
        st.slider(t("overview.min_coverage", lang), 0, 100, step=5, key="f_mincov", format="%d%%")


def map_controls(lang: str) -> None:
    cols = st.columns([2, 2, 3, 2])
    cols[0].selectbox(
        t("map.view", lang),
        MAP_VIEW_NAMES,
        key="mapview",
        format_func=lambda v: t(f"map.view.{v}", lang),
    )
    cols[1].selectbox(
        t("overview.metric", lang),
        VIEW_METRICS,
        key="metric",
        format_func=lambda m: t(f"metric.{m}", lang),
    )
    cols[2].multiselect(
        t("overview.layers", lang),
        LAYERS,
        key="layers",
        format_func=lambda m: t(f"layer.{m}", lang),
        placeholder=t("common.choose", lang),
    )
    cols[3].slider(t("overview.top_n", lang), 0, 30, key="top_n")


@dataclass(frozen=True)
class Scored:
    """The shared view from the URL, scored on its data version, with the scored countries."""

    shared: ViewState
    version: str
    result: ScoreResult
    names: pd.Series  # iso3 -> name in the user's language
    options: list[str]  # scored countries, sorted by name
    labels: dict[str, str]  # iso3 -> picker label: both names, other Chinese names, the code


def scored_view(lang: str) -> Scored:
    """For pages about particular countries (profile, compare): the view, warnings about a damaged
    link shown, and the ranking it describes."""

    for w in init_view():
        st.warning(t("overview.link_warning", lang, detail=md_text(w)))
    shared, _ = from_query(st.query_params.to_dict(), ScoreSpec.from_preset("balanced"))
    version = state.resolve_version(shared.spec.data_version or None)
    result = cache.result(shared.spec.to_json(), version)
    names = result.table.set_index("iso3")[name_column(lang)]
    options = sorted(scored_iso3(result), key=lambda c: str(names.get(c, c)))
    labels = cache.picker_labels(version, lang)
    return Scored(shared, version, result, names, options, labels)
