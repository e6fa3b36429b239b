"""The Data page's upload report (app_pages/data.py draws it when a file is chosen): what was
read, every problem with its fix, the matches, the metadata of new indicators, the movers a
publish would cause, and the publish button."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.cells import safe_csv
from risk.errors import RiskError
from risk.i18n import t
from risk.present.data import (
    issue_layout,
    metadata_choices,
    metadata_form,
    metadata_json,
    movers_table,
)
from risk.store import Store
from risk.upload.publish import publish_report
from risk.upload.report import UploadReport
from ui import cache, state


def done(message: str) -> None:
    """After a publish or rollback: say so once, and run again so every part shows the new
    current version (the page's header and the sidebar were drawn before the action)."""
    st.session_state[state.Keys.FLASH] = message
    st.rerun()


def columns(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column headers in the user's language."""
    return df.rename(columns={c: t(f"data.col.{c}", lang) for c in df.columns})


def upload_report(
    store: Store,
    report: UploadReport,
    file_name: str,
    sha: str,
    meta_json: str,
    author: str,
    lang: str,
) -> None:
    """The checked upload (`cache.checked_upload`) and, when it passes, its publish button."""
    st.subheader(t("data.report.header", lang))
    st.write(report.summary_text(lang))
    (st.success if report.ok else st.error)(
        t("data.report.ok" if report.ok else "data.report.blocked", lang)
    )
    st.caption(t("data.detected.header", lang))
    st.dataframe(
        columns(report.detected_table(lang), lang),
        hide_index=True,
        key=state.lang_key("data_detected"),
    )
    issues = report.issue_table(lang)
    fitted = issue_layout(issues, lang)  # no sideways scrolling: long text wraps
    st.dataframe(
        columns(issues, lang),
        hide_index=True,
        key=state.lang_key("data_issues"),
        column_config={
            fitted.labels[c]: st.column_config.Column(width=w) for c, w in fitted.widths.items()
        },
        row_height=fitted.row_height,
    )
    counts = report.count_table(lang)
    if len(counts):
        st.caption(t("data.report.counts", lang))
        st.dataframe(columns(counts, lang), hide_index=True)
    st.download_button(
        t("data.report.download", lang),
        safe_csv(issues),
        file_name=f"{file_name}.report.csv",
        mime="text/csv",
    )
    with st.expander(t("data.matches.header", lang)):
        st.dataframe(columns(report.matches, lang), hide_index=True)
        if report.unmatched:
            st.caption(t("data.matches.unmatched", lang))
            st.dataframe(columns(report.unmatched_table(), lang), hide_index=True)
        if report.aggregates:
            st.caption(t("data.matches.aggregates", lang))
            st.dataframe(columns(pd.DataFrame({"name": report.aggregates}), lang), hide_index=True)
    if report.new_indicators:
        st.subheader(t("data.meta.header", lang))
        st.caption(t("data.meta.help", lang))
        pillars, directions = metadata_choices(lang)
        sep = "、" if lang.startswith("zh") else ", "
        st.caption(
            t(
                "data.meta.choices",
                lang,
                pillars=sep.join(list(pillars)[1:]),
                directions=sep.join(directions),
            )
        )
        col = {c: t(f"data.meta.col.{c}", lang) for c in ("code", "pillar", "direction")}
        edited = st.data_editor(
            metadata_form(report, meta_json, lang),
            hide_index=True,
            key=state.lang_key("data_meta"),
            num_rows="fixed",
            disabled=[col["code"]],
            column_config={
                col["pillar"]: st.column_config.SelectboxColumn(options=list(pillars)),
                col["direction"]: st.column_config.SelectboxColumn(options=list(directions)),
            },
        )
        new_json = metadata_json(edited, lang)
        if new_json != meta_json:
            st.session_state["data_meta_json"] = new_json
            st.rerun()
    if report.ok:
        st.subheader(t("data.preview.header", lang))
        try:
            movers = cache.movers(report, sha, meta_json, store.data_version)
            if movers.empty:
                st.caption(t("data.preview.none", lang))
            else:
                shown_movers, imputed = movers_table(movers, lang)
                if imputed:
                    st.info(t("data.preview.imputation_note", lang, n=imputed))
                st.dataframe(
                    columns(shown_movers, lang), hide_index=True, key=state.lang_key("data_movers")
                )
        except RiskError as exc:
            st.warning(t("data.preview.unavailable", lang, reason=exc.message))
    note = st.text_input(t("data.publish.note", lang), key="data_note")
    published = st.session_state.setdefault(state.Keys.PUBLISHED, {})
    if sha in published:
        st.caption(t("data.publish.already", lang, version=published[sha]))
    if st.button(
        t("data.publish.button", lang),
        type="primary",
        disabled=not report.ok or sha in published,
        key="data_publish",
    ):
        try:
            info = publish_report(store, report, author=author, note=note)
            published[sha] = info.version
            done(t("data.publish.done", lang, version=info.version))
        except RiskError as exc:
            st.error(t("data.publish.failed", lang, reason=exc.message))
