"""The overview's sections below the map and the top markets (app_pages/overview.py draws them in
order): the full ranked table, the sharing panel and the downloads."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from risk.framework import PILLARS
from risk.i18n import t
from risk.present.exports import MIME as EXPORT_MIME
from risk.present.exports import export_file_name, ranking_bytes
from risk.present.overview import table_layout
from risk.present.pack import MIME as PACK_MIME
from risk.present.pack import pack_file_name
from risk.present.pack_file import pack_bytes
from risk.share import ViewState, save_view
from risk.store import Store
from ui import cache, state, view
from ui.watchlists import save_control as save_watchlist


def ranked_table(table: pd.DataFrame, lang: str) -> None:
    """The whole ranking (`cache.overview_table`) with bars for the pillars, in column widths that
    fit 1440 x 900 without a sideways scrollbar."""
    fitted = table_layout(table, lang).widths  # fits 1440 x 900 without a sideways scrollbar
    bars = {
        p: st.column_config.ProgressColumn(
            t(f"col.{p}", lang), min_value=0, max_value=100, format="%.0f", width=fitted[p]
        )
        for p in PILLARS
    }
    text = st.column_config.TextColumn
    st.dataframe(
        table,
        hide_index=True,
        key=state.lang_key("ranked_table"),
        column_order=list(fitted),
        column_config={
            "rank": st.column_config.NumberColumn(
                t("col.rank", lang), format="%d", width=fitted["rank"]
            ),
            "name": text(t("col.name", lang), width=fitted["name"]),
            "name_other": text(t("col.name_other", lang), width=fitted.get("name_other")),
            "iso3": text(t("col.iso3", lang), width=fitted["iso3"]),
            "score": st.column_config.NumberColumn(
                t("col.score", lang), format="%.1f", width=fitted["score"]
            ),
            **bars,
            "interval": text(t("col.interval", lang), width=fitted["interval"]),
            "coverage": st.column_config.ProgressColumn(
                t("col.coverage", lang),
                min_value=0,
                max_value=100,
                format="%.0f%%",
                width=fitted.get("coverage"),
            ),
            "eligible": st.column_config.CheckboxColumn(t("col.eligible", lang)),
            "reason": text(t("col.reason", lang), width=fitted.get("reason")),
        },
    )


def sharing(
    store: Store, current: ViewState, ranked: pd.DataFrame, shown: pd.DataFrame, lang: str
) -> None:
    """The view's link (written to the URL), a short link on request, and "Save as watchlist"."""
    query = view.publish(current)
    share = st.expander(t("overview.share", lang), key="share_open", on_change="rerun")
    with share:
        st.caption(t("overview.share_help", lang))
        base = (st.context.url or "").split("?")[0]
        if share.open:  # the link is drawn when someone opens the panel (a code block is costly)
            st.code(
                base + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
                language=None,
                wrap_lines=True,
            )
        if st.button(t("overview.save_view", lang), key="save_view"):
            vid = save_view(store, query)
            st.code(f"{base}?view={vid}", language=None)
    save_watchlist(store, current, ranked, shown, lang)


def downloads(store: Store, current: ViewState, version: str, lang: str) -> None:
    """The ranking (CSV, its JSON sidecar, Excel) and the board pack (PowerPoint, PDF)."""
    with st.expander(t("export.title", lang)):
        st.caption(t("export.help_view", lang, version=version))
        for col, fmt in zip(st.columns(3), ("csv", "json", "xlsx"), strict=True):
            col.download_button(
                t("export.sidecar" if fmt == "json" else f"export.{fmt}", lang),
                data=partial(ranking_bytes, cache.engine(version), store, current, fmt),
                file_name=export_file_name(current, version, "csv") + ".json"
                if fmt == "json"
                else export_file_name(current, version, fmt),
                mime=EXPORT_MIME[fmt],
                key=f"export_{fmt}",
                on_click="ignore",
            )
        st.caption(t("pack.help", lang, n=current.top_n or 10))
        for col, fmt in zip(st.columns(2), ("pptx", "pdf"), strict=True):
            col.download_button(
                t("pack.download" if fmt == "pptx" else "pack.download_pdf", lang),
                data=partial(
                    pack_bytes, cache.engine(version), store, current, fmt, cache.geometry()
                ),
                file_name=pack_file_name(current, version, fmt),
                mime=PACK_MIME[fmt],
                key=f"pack_{fmt}",
                on_click="ignore",
            )
