"""Compare two to five countries: pillars, indicators (best marked) and why one ranks above another."""

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from risk.framework import PILLARS
from risk.i18n import t
from risk.present.charts import compare_bars_html
from risk.present.compare import (
    MAX_COMPARE,
    MIN_COMPARE,
    compare_codes,
    indicators_view,
    reasons_view,
    summary_view,
)
from risk.present.fit import Layout
from risk.present.tables import Column, html_table
from risk.text import fmt_number, md_text
from ui import cache, state, view

lang = state.lang()
scored = view.scored_view(lang)
shared, version, result = scored.shared, scored.version, scored.result
names, options = scored.names, scored.options
codes = compare_codes(result, shared.compare)


def _pick() -> None:
    picked = list(st.session_state["compare_set"])[:MAX_COMPARE]
    st.session_state["compare"] = picked
    st.query_params["compare"] = ",".join(picked)  # the URL first, so init_view keeps it


def _table(
    frame: pd.DataFrame,
    layout: Layout,
    key: str,
    formats: dict[str, str],
    right: Sequence[str] = (),
    best: dict[int, str] | None = None,
) -> None:
    """A table of its layout's columns with their translated headers and tooltips, numbers in
    `formats` ("{:.1f}"), the columns in `right` right-aligned (numbers are), `best` cells marked
    (`html_table`: cells are escaped text); rows carry their country's or indicator's code."""
    columns = {
        c: Column(
            layout.labels.get(c, c),
            align="right" if c in right else None,
            help=layout.helps.get(c),
        )
        for c in layout.order
    }
    ids = frame["iso3"] if "iso3" in frame else frame.get("code")
    st.html(
        html_table(
            frame,
            columns,
            state.lang_key(key),
            formats=formats,
            best=best,
            row_ids=None if ids is None else ids.tolist(),
        )
    )


st.title(t("compare.title", lang))
st.session_state["compare_set"] = codes
st.multiselect(
    t("compare.choose", lang, n=MAX_COMPARE),
    options,
    key="compare_set",
    format_func=lambda c: scored.labels.get(c, f"{names.get(c, c)} ({c})"),
    max_selections=MAX_COMPARE,
    placeholder=t("common.choose", lang),
    on_change=_pick,
)
query = view.publish(shared.replace(compare=tuple(codes), lang=lang))
with st.container(horizontal=True):  # each link as wide as its words, wrapping onto a new line
    st.page_link("app_pages/overview.py", label=t("profile.back", lang), query_params=query)
    for code in codes:
        st.page_link(
            "app_pages/profile.py",
            label=t("compare.open_profile", lang, name=md_text(names.get(code, code))),
            query_params={**query, "country": code},
        )
if len(codes) < MIN_COMPARE:
    st.info(t("compare.pick_help", lang, n=MIN_COMPARE, m=MAX_COMPARE))
    st.stop()

labels = {p: t(f"metric.{p}", lang) for p in ("score", *PILLARS)}
summary_rows, pillar_rows, reason_rows, indicator_rows = cache.comparison(
    shared.spec.to_json(), version, codes, lang
)
summary, layout = summary_view(summary_rows, lang)
one_decimal = {c: "{:.1f}" for c in ("score", *PILLARS)}
_table(summary, layout, "compare_summary", one_decimal | {"rank": "{:.0f}", "imputed": "{:.0f}"})
if (summary["imputed"] > 0).any():
    st.warning(t("compare.imputed_note", lang))

st.subheader(t("compare.pillars", lang))
st.markdown(compare_bars_html(pillar_rows, labels), unsafe_allow_html=True)

st.subheader(t("compare.reasons", lang))
st.caption(t("compare.reasons_help", lang))
reasons, layout = reasons_view(reason_rows, names, lang)
_table(reasons, layout, "compare_reasons", {"gap": "{:.1f}", "difference": "{:.2f}"})

st.subheader(t("compare.indicators", lang))
st.caption(t("compare.indicators_help", lang))
table, layout = indicators_view(indicator_rows, codes, names, lang)
_table(
    table.assign(**{c: [fmt_number(v, lang) for v in table[c]] for c in codes}),  # 2.16 trillion
    layout,
    "compare_indicators",
    {},
    right=codes,
    best={i: str(b) for i, b in enumerate(table["best"]) if b in codes},
)
