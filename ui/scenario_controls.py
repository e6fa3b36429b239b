"""The scenarios page's widgets: the scenario picker with each scenario's parameters, and the
allocation's shortlist and limits. Widget values live in session state under the keys that
`risk.scenarios.widget_state` seeds from the URL and `view_from_widgets` reads back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.i18n import t
from risk.scenarios.kinds import KINDS
from risk.scenarios.view import param_key

# A parameter's value that changes nothing, when the scenario gives no default.
NO_OP = {"shift": 0.0, "factor": 1.0}


class ScenarioChoices:
    """Options and labels for the scenario targets (all, a region, a bloc or a country)."""

    def __init__(
        self,
        countries: pd.DataFrame,
        names: dict[str, str],
        lang: str,
        picker: dict[str, str] | None = None,
    ):
        self.lang = lang
        self.names = names
        self.picker = picker or {}  # iso3 -> picker label (names in both languages and the code)
        self.blocs = [c.removeprefix("bloc_") for c in countries.columns if c.startswith("bloc_")]
        self.regions = sorted(countries["region"].dropna().unique())
        self.iso_options = list(countries.loc[countries["sovereign"], "iso3"])

    def label(self, x: str) -> str:
        if x == "all":
            return t("sc.target.all", self.lang)
        if x in self.regions:
            return t(f"region.{x}", self.lang)
        if x in self.blocs:
            return t(f"bloc.{x}", self.lang)
        return f"{self.names.get(x, x)} ({x})"

    def pick_label(self, x: str) -> str:
        """An option of a picker: a country by every name people type for it and its code."""
        return self.picker.get(x) or self.label(x)

    def scenario_controls(self) -> None:
        """The scenario picker, then a box of parameters for each chosen scenario."""
        ss, lang = st.session_state, self.lang
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
            params = KINDS[kind].params
            for col, p in zip(box.columns(len(params)), params, strict=True):
                key, text = param_key(kind, p.name), t(f"sc.param.{p.name}", lang)
                if p.name == "iso3":
                    ss[key] = [c for c in ss.get(key, []) if c in self.iso_options]
                    col.multiselect(
                        text,
                        self.iso_options,
                        key=key,
                        format_func=self.pick_label,
                        placeholder=t("common.choose", lang),
                    )
                elif p.name == "target":
                    ss.setdefault(key, p.default or "all")
                    known = ["all", *self.regions, *self.blocs, *self.iso_options]
                    extra = [] if ss[key] in known else [ss[key]]
                    options = ["all", *self.regions, *self.blocs, *extra, *self.iso_options]
                    col.selectbox(text, options, key=key, format_func=self.pick_label)
                else:
                    default = p.default if p.default is not None else NO_OP[p.name]
                    ss.setdefault(key, float(default))
                    step = 0.1 if p.name == "factor" else 0.5
                    col.number_input(text, key=key, step=step, format="%g")  # 10, not 10.00

    def allocation_controls(self, ranked: list[str]) -> None:
        """The shortlist (ranked countries first), its size, the budget, the minimum number of
        markets (and the least stake each counts with) and the risk limits."""
        ss, lang = st.session_state, self.lang
        ss["al_short"] = [c for c in ss.get("al_short", []) if c in self.iso_options]
        c1, c2, c3, c4, c5 = st.columns([3, 1, 1, 1.2, 1.2], vertical_alignment="bottom")
        c1.multiselect(
            t("sc.alloc.shortlist", lang),
            ranked + [c for c in self.iso_options if c not in ranked],
            key="al_short",
            format_func=self.pick_label,
            placeholder=t("common.choose", lang),
        )
        c2.number_input(t("sc.alloc.top_n", lang), 1, 50, key="al_top")
        c3.number_input(t("sc.alloc.budget", lang), min_value=0.0, key="al_budget")
        c4.number_input(
            t("sc.alloc.min_markets", lang),
            1,
            50,
            step=1,
            key="al_minm",
            help=t("sc.alloc.min_markets_help", lang),
        )
        c5.number_input(
            t("sc.alloc.min_stake", lang),
            1,
            100,
            step=1,
            key="al_stake",
            help=t("sc.alloc.min_stake_help", lang),
            disabled=ss.get("al_minm", 1) <= 1,
        )
        c1, c2, c3, c4, c5 = st.columns(5)
        c1.slider(t("sc.alloc.max_share", lang), 1, 100, key="al_maxc")
        c2.slider(t("sc.alloc.max_region", lang), 1, 100, key="al_maxr")
        c3.slider(t("sc.alloc.min_financial", lang), 0.0, 100.0, key="al_minfin")
        c4.slider(t("sc.alloc.risk_aversion", lang), 0.0, 1.0, step=0.05, key="al_ra")
        c5.slider(t("sc.alloc.tail", lang), 1, 100, key="al_tail")
