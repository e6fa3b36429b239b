"""Compare two to five countries: pillars, indicators (best marked) and why one ranks above another."""

from functools import partial
from typing import Any

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


def _table(frame, layout: Layout, key: str, formats: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """A table laid out to fit the page: its shown columns with translated headers and widths,
    numbers in `formats` (cells are data: st.dataframe renders them as text)."""
    config: dict[str, Any] = {}
    for col, width in layout.widths.items():
        label, helps = layout.labels.get(col, col), layout.helps.get(col)
        if col in formats:
            config[col] = st.column_config.NumberColumn(
                label, width=width, help=helps, format=formats[col]
            )
        else:
            config[col] = st.column_config.Column(label, width=width, help=helps)
    st.dataframe(
        frame,
        hide_index=True,
        key=state.lang_key(key),
        column_order=layout.order,
        column_config=config,
        row_height=layout.row_height,
        placeholder="–",
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
one_decimal = {c: "%.1f" for c in ("score", *PILLARS)}
_table(summary, layout, "compare_summary", one_decimal | {"rank": "%d", "imputed": "%d"})
if (summary["imputed"] > 0).any():
    st.warning(t("compare.imputed_note", lang))

st.subheader(t("compare.pillars", lang))
st.markdown(compare_bars_html(pillar_rows, labels), unsafe_allow_html=True)

st.subheader(t("compare.reasons", lang))
st.caption(t("compare.reasons_help", lang))
reasons, layout = reasons_view(reason_rows, names, lang)
_table(reasons, layout, "compare_reasons", {"gap": "%.1f", "difference": "%.2f"})

st.subheader(t("compare.indicators", lang))
st.caption(t("compare.indicators_help", lang))
table, layout = indicators_view(indicator_rows, codes, names, lang)


def _mark_best(row):  # type: ignore[no-untyped-def]
    return [
        "font-weight: bold; background-color: #d9ead3" if c == row["best"] else ""
        for c in row.index
    ]


st.dataframe(
    table.style.apply(_mark_best, axis=1).format(
        {c: partial(fmt_number, lang=lang) for c in codes}  # 1.87兆, 2.16 trillion
    ),
    hide_index=True,
    key=state.lang_key("compare_indicators"),
    column_order=layout.order,
    column_config={
        c: st.column_config.Column(layout.labels[c], width=w, help=layout.helps.get(c))
        for c, w in layout.widths.items()
    },
    row_height=layout.row_height,
)
