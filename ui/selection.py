"""The overview's selected-country panel: the country's name, a button to its profile, and where
it stands in the ranking, or plainly why it is not ranked (`risk.present.selection`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.framework import PILLARS
from risk.i18n import colon, name_column, other_name_column, t
from risk.present.selection import Standing
from risk.text import md_text, safe_link
from ui import state

PROFILE_PAGE = "app_pages/profile.py"
# The profile link as a filled button in the theme's colour (st.page_link draws a plain link).
BUTTON_CSS = (
    "<style>.st-key-open_profile [data-testid=stPageLink-NavLink]{background:#c0392b;"
    "border-radius:0.5rem;padding:0.3rem 0.9rem;justify-content:center}"
    ".st-key-open_profile [data-testid=stPageLink-NavLink]:hover{background:#a93226}"
    ".st-key-open_profile [data-testid=stPageLink-NavLink] *{color:#fff !important}</style>"
)
BOXES = {  # how each status is shown: the box and its icon
    "gated": (st.error, ":material/block:"),
    "low_coverage": (st.warning, ":material/database:"),
    "partner": (st.info, ":material/handshake:"),
    "home": (st.info, ":material/home:"),
    "not_scored": (st.info, ":material/info:"),
    "filtered": (st.info, ":material/filter_alt:"),
}


def standing_markdown(item: Standing, lang: str) -> str:
    """The headline, the reasons as a list and the rules' sources as links (all escaped)."""
    parts = [f"**{md_text(item.headline)}**"]
    if item.reasons:
        parts.append("\n".join(f"- {md_text(line)}" for line in item.reasons))
    links = [f"[{md_text(label)}]({url})" for label, url in item.sources if safe_link(url)]
    if links:
        parts.append(md_text(t("standing.sources", lang)) + colon(lang) + " · ".join(links))
    return "\n\n".join(parts)


def panel(
    item: Standing,
    ranked: pd.DataFrame,
    countries: pd.DataFrame,
    query: dict[str, str],
    lang: str,
) -> None:
    """The selected country's panel (a bordered box under the map and the top list)."""
    names = countries.set_index("iso3")
    code = item.iso3
    name = names.loc[code, name_column(lang)] if code in names.index else code
    other = names.loc[code, other_name_column(lang)] if code in names.index else ""
    st.html(BUTTON_CSS)
    with st.container(border=True, key="selected_panel"):
        head, link, clear = st.columns([5, 2, 1.3], vertical_alignment="center")
        head.markdown(
            f"**{md_text(t('overview.selected', lang, name=name))}** "
            f":gray[{md_text(other)} · {md_text(code)}]"
        )
        if (state.ROOT / PROFILE_PAGE).exists():
            with link.container(key="open_profile"):
                st.page_link(
                    PROFILE_PAGE,
                    label=t("overview.open_profile", lang),
                    icon=":material/open_in_new:",
                    query_params=query,
                    width="stretch",
                )
        if clear.button(t("overview.clear_selection", lang), key="clear_selection"):
            st.session_state["selected"] = None
            st.rerun()
        if item.status in BOXES:
            box, icon = BOXES[item.status]
            box(standing_markdown(item, lang), icon=icon)
            if not item.ranked and item.status != "not_scored":
                st.caption(t("standing.profile_note", lang))
        else:
            st.markdown(standing_markdown(item, lang))
        if item.ranked:
            _scores(ranked, code, lang)


def _scores(ranked: pd.DataFrame, code: str, lang: str) -> None:
    row = ranked[ranked["iso3"] == code]
    if row.empty:
        return
    r = row.iloc[0]
    cols = st.columns(5)
    cols[0].metric(
        t("metric.score", lang), "–" if r["score"] != r["score"] else f"{r['score']:.1f}"
    )
    for col, p in zip(cols[1:], PILLARS, strict=True):
        col.metric(t(f"metric.{p}", lang), "–" if r[p] != r[p] else f"{r[p]:.1f}")
