"""The Scenarios page's allocation results: the headline figures, the split (today and with the
scenarios), each world's expected score and why the split is what it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from risk.i18n import t
from risk.present.scenarios import (
    allocation_frame,
    allocation_reasons,
    scenario_label,
    state_table,
)
from risk.scenarios.allocation import Allocation
from risk.text import md_text
from ui import state

if TYPE_CHECKING:
    from risk.scenarios.shortlist import AllocationInputs


def allocation_results(
    result: Allocation,
    today: Allocation,
    inputs: AllocationInputs,
    with_scenarios: bool,
    label: Callable[[str], str],
    lang: str,
) -> None:
    """`result` with the scenarios, `today` without them; `label` names a country."""
    c1, c2, c3 = st.columns(3)
    c1.metric(t("sc.alloc.expected", lang), f"{result.expected_score:.1f}")
    tail = t("sc.alloc.tail_score", lang, tail=f"{result.limits.tail:.0%}")
    c2.metric(tail, f"{result.tail_score:.1f}")
    worst = t("sc.alloc.worst", lang, state=scenario_label(result.worst_state, lang))
    c3.metric(worst, f"{result.worst_case:.1f}")
    if with_scenarios:
        before, now = f"{today.expected_score:.1f}", f"{result.expected_score:.1f}"
        st.caption(t("sc.alloc.change", lang, today=before, now=now))
    frame = allocation_frame(result, today, inputs, lang)
    frame["iso3"] = frame["iso3"].map(label)
    frame["region"] = frame["region"].map(lambda r: t(f"bregion.{r}", lang))
    col_labels: dict[str, Any] = {
        c: t(f"sc.col.{'name' if c == 'iso3' else c}", lang) for c in frame.columns
    }
    # scores to one decimal, as in the metrics above; money to two, shares to one
    digits = {"financial": 1, "amount_today": 2, "amount": 2, "share": 1}
    for key, n in digits.items():
        col_labels[key] = st.column_config.NumberColumn(col_labels[key], format=f"%.{n}f")
    st.dataframe(frame, hide_index=True, key=state.lang_key("al_table"), column_config=col_labels)
    states = state_table(result, lang)
    state_labels = {"state": t("sc.alloc.state", lang), "score": t("sc.alloc.state_score", lang)}
    st.dataframe(
        states.round(1),
        hide_index=True,
        key=state.lang_key("al_states"),
        column_config=state_labels,
    )
    st.subheader(t("sc.why.heading", lang))
    first, *limits = allocation_reasons(result, lang, label)
    st.markdown("\n".join([md_text(first), "", *(f"- {md_text(line)}" for line in limits)]))
