"""Compare two to five countries: pillars, indicators (best marked) and why one ranks above another."""

from functools import partial

import streamlit as st

from risk.framework import PILLARS
from risk.gates import reason_label
from risk.i18n import t
from risk.present.charts import compare_chart
from risk.present.compare import (
    MAX_COMPARE,
    MIN_COMPARE,
    compare_codes,
    compare_indicators,
    compare_pillars,
    compare_summary,
    rank_reasons,
)
from risk.text import fmt_number, md_text
from ui import state, view

lang = state.lang()
scored = view.scored_view(lang)
shared, version, result = scored.shared, scored.version, scored.result
names, options = scored.names, scored.options
codes = compare_codes(result, shared.compare)


def _pick() -> None:
    picked = list(st.session_state["compare_set"])[:MAX_COMPARE]
    st.session_state["compare"] = picked
    st.query_params["compare"] = ",".join(picked)  # the URL first, so init_view keeps it


def _table(frame, key: str, **config) -> None:  # type: ignore[no-untyped-def]
    """A table with translated headers (cells are data: st.dataframe renders them as text)."""
    labels = {c: t(f"profile.col.{c}", lang) for c in frame.columns}
    st.dataframe(frame, hide_index=True, key=state.lang_key(key), column_config=labels | config)


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
links = st.columns(len(codes) + 1)
links[0].page_link("app_pages/overview.py", label=t("profile.back", lang), query_params=query)
for col, code in zip(links[1:], codes, strict=True):
    col.page_link(
        "app_pages/profile.py",
        label=t("compare.open_profile", lang, name=md_text(names.get(code, code))),
        query_params={**query, "country": code},
    )
if len(codes) < MIN_COMPARE:
    st.info(t("compare.pick_help", lang, n=MIN_COMPARE, m=MAX_COMPARE))
    st.stop()

labels = {p: t(f"metric.{p}", lang) for p in ("score", *PILLARS)}
summary = compare_summary(result, codes, lang)
summary["reason"] = [reason_label(r, lang) for r in summary["reason"]]
number = st.column_config.NumberColumn
_table(
    summary,
    "compare_summary",
    **{p: number(labels[p], format="%.1f") for p in PILLARS},
    score=number(t("profile.col.score", lang), format="%.1f"),
    rank=number(t("profile.col.rank", lang), format="%d"),
    imputed=number(t("profile.col.imputed", lang), format="%d"),
)
if (summary["imputed"] > 0).any():
    st.warning(t("compare.imputed_note", lang))

st.subheader(t("compare.pillars", lang))
st.altair_chart(compare_chart(compare_pillars(result, codes, lang), labels), width="stretch")

st.subheader(t("compare.reasons", lang))
st.caption(t("compare.reasons_help", lang))
reasons = rank_reasons(result, codes, lang)
reasons["pillar"] = [labels.get(p, p) for p in reasons["pillar"]]
for side in ("higher", "lower"):
    reasons[side] = [f"{names.get(c, c)} ({c})" for c in reasons[side]]
_table(
    reasons,
    "compare_reasons",
    gap=number(t("profile.col.gap", lang), format="%.1f"),
    difference=number(t("profile.col.difference", lang), format="%.2f"),
)

st.subheader(t("compare.indicators", lang))
st.caption(t("compare.indicators_help", lang))
table = compare_indicators(result, codes, lang)
table["pillar"] = [labels.get(p, p) for p in table["pillar"]]


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
    column_config={c: t(f"profile.col.{c}", lang) for c in table.columns if c not in codes},
)
