"""Data: upload and validate files, preview movers, publish versions, diff, roll back, refresh."""

import pandas as pd
import streamlit as st

from risk.cells import safe_csv
from risk.errors import RiskError
from risk.i18n import colon, t
from risk.present.data import (
    diff_summary,
    diff_table,
    issue_layout,
    metadata_choices,
    metadata_form,
    metadata_json,
    movers_table,
    versions_table,
)
from risk.upload.federal_register import (
    FederalRegisterResult,
    federal_register_message,
    refresh_federal_register,
)
from risk.upload.publish import publish_report
from risk.upload.read import ENCODINGS, UPLOAD_TYPES, sha256_bytes
from risk.upload.refresh import RefreshResult, refresh_message, refresh_worldbank
from ui import cache, state

lang = state.lang()
store = cache.store()
editor, author = state.data_access(lang)

st.title(t("data.title", lang))
st.caption(t("data.intro", lang))
st.markdown(f"{t('data.current_version', lang)}{colon(lang)}`{store.data_version}`")
if flash := st.session_state.pop(state.Keys.FLASH, None):
    st.success(flash)
pinned = state.pinned_version()
if pinned and pinned != store.data_version:
    if state.version_exists(pinned):
        left, right = st.columns([4, 1])
        left.info(t("data.viewing_version", lang, version=pinned))
        if right.button(t("data.use_current", lang), key="data_use_current"):
            del st.query_params["version"]
            st.rerun()
    else:
        st.warning(t("data.version_gone", lang, version=pinned))


def _done(message: str) -> None:
    """After a publish or rollback: say so once, and run again so every part shows the new
    current version (this page's header and the sidebar were drawn before the action)."""
    st.session_state[state.Keys.FLASH] = message
    st.rerun()


def _cols(df: pd.DataFrame) -> pd.DataFrame:
    """Column headers in the user's language."""
    return df.rename(columns={c: t(f"data.col.{c}", lang) for c in df.columns})


upload_tab, versions_tab, refresh_tab = st.tabs(
    [t("data.upload.header", lang), t("data.versions.header", lang), t("data.refresh.header", lang)]
)

with upload_tab:
    if not editor:
        st.info(t("data.viewer_only", lang))
    else:
        file = st.file_uploader(
            t("data.upload.label", lang),
            type=list(UPLOAD_TYPES),
            help=t("data.upload.help", lang),
            key="data_upload",
        )
        c1, c2, c3 = st.columns(3)
        indicator = c1.text_input(t("data.upload.indicator", lang), key="data_indicator")
        year = c2.number_input(
            t("data.upload.year", lang), 1900, 2100, value=None, step=1, key="data_year"
        )
        encoding = c3.selectbox(
            t("data.upload.encoding", lang),
            ["", *ENCODINGS],
            format_func=lambda e: e or t("data.upload.encoding_auto", lang),
            help=t("data.upload.encoding_help", lang),
            key="data_encoding",
        )
        if file is None:
            st.caption(t("data.upload.none", lang))
        else:
            data = file.getvalue()
            sha = sha256_bytes(data)
            meta_json = st.session_state.get("data_meta_json", "")
            opts = (indicator.strip(), int(year) if year else None, encoding or "")
            report = cache.checked_upload(data, sha, file.name, opts, meta_json, store.data_version)
            st.subheader(t("data.report.header", lang))
            st.write(report.summary_text(lang))
            (st.success if report.ok else st.error)(
                t("data.report.ok" if report.ok else "data.report.blocked", lang)
            )
            st.caption(t("data.detected.header", lang))
            st.dataframe(
                _cols(report.detected_table(lang)),
                hide_index=True,
                key=state.lang_key("data_detected"),
            )
            issues = report.issue_table(lang)
            fitted = issue_layout(issues, lang)  # no sideways scrolling: long text wraps
            st.dataframe(
                _cols(issues),
                hide_index=True,
                key=state.lang_key("data_issues"),
                column_config={
                    fitted.labels[c]: st.column_config.Column(width=w)
                    for c, w in fitted.widths.items()
                },
                row_height=fitted.row_height,
            )
            counts = report.count_table(lang)
            if len(counts):
                st.caption(t("data.report.counts", lang))
                st.dataframe(_cols(counts), hide_index=True)
            st.download_button(
                t("data.report.download", lang),
                safe_csv(issues),
                file_name=f"{file.name}.report.csv",
                mime="text/csv",
            )
            with st.expander(t("data.matches.header", lang)):
                st.dataframe(_cols(report.matches), hide_index=True)
                if report.unmatched:
                    st.caption(t("data.matches.unmatched", lang))
                    st.dataframe(_cols(report.unmatched_table()), hide_index=True)
                if report.aggregates:
                    st.caption(t("data.matches.aggregates", lang))
                    st.dataframe(_cols(pd.DataFrame({"name": report.aggregates})), hide_index=True)
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
                        col["direction"]: st.column_config.SelectboxColumn(
                            options=list(directions)
                        ),
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
                            _cols(shown_movers), hide_index=True, key=state.lang_key("data_movers")
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
                    _done(t("data.publish.done", lang, version=info.version))
                except RiskError as exc:
                    st.error(t("data.publish.failed", lang, reason=exc.message))

with versions_tab:
    versions = store.versions()
    shown = versions_table(versions, lang)
    st.dataframe(  # a version without a file has no row counts: blank, not None
        _cols(shown).style.format(na_rep=""), hide_index=True, key=state.lang_key("data_versions")
    )
    ids = versions["version"].tolist()
    pick = st.selectbox(t("data.versions.pick", lang), ids, key="data_version_pick")
    st.caption(t("data.versions.link", lang))
    st.code(f"?version={pick}", language=None)
    if editor and st.button(t("data.versions.rollback", lang), key="data_rollback"):
        try:
            info = store.rollback(pick, author=author)
            _done(t("data.versions.rolled_back", lang, version=info.version))
        except RiskError as exc:
            st.error(t("data.publish.failed", lang, reason=exc.message))
    st.subheader(t("data.diff.header", lang))
    d1, d2 = st.columns(2)
    a = d1.selectbox(t("data.diff.from", lang), ids, index=min(1, len(ids) - 1), key="data_diff_a")
    b = d2.selectbox(t("data.diff.to", lang), ids, index=0, key="data_diff_b")
    diff = cache.diff(a, b)
    if diff.empty:
        st.caption(t("data.diff.same", lang))
    else:
        st.write(diff_summary(diff, lang))
        st.dataframe(
            _cols(diff_table(diff.head(5000), lang)),
            hide_index=True,
            key=state.lang_key("data_diff"),
        )

with refresh_tab:
    st.caption(t("data.refresh.help", lang))
    if editor and st.button(t("data.refresh.button", lang), key="data_refresh"):
        with st.spinner(t("data.refresh.button", lang)):
            try:
                outcome: RefreshResult | RiskError = refresh_worldbank(store, author=author)
            except RiskError as exc:
                outcome = exc
        ok, message = refresh_message(outcome, lang)
        (st.success if ok else st.warning)(message)
    st.subheader(t("refresh.federal_register.header", lang))
    st.caption(t("refresh.federal_register.help", lang))
    if editor and st.button(t("refresh.federal_register.button", lang), key="data_refresh_fr"):
        with st.spinner(t("refresh.federal_register.button", lang)):
            try:
                rules: FederalRegisterResult | RiskError = refresh_federal_register(store)
            except RiskError as exc:
                rules = exc
        ok, message = federal_register_message(rules, lang)
        (st.success if ok else st.warning)(message)
