"""Data: upload and validate files, preview movers, publish versions, diff, roll back, refresh."""

import streamlit as st

from risk.errors import RiskError
from risk.i18n import colon, t
from risk.present.data import (
    diff_summary,
    diff_table,
    versions_table,
)
from risk.upload.federal_register import (
    FederalRegisterResult,
    federal_register_message,
    refresh_federal_register,
)
from risk.upload.read import ENCODINGS, UPLOAD_TYPES, sha256_bytes
from risk.upload.refresh import RefreshResult, refresh_message, refresh_worldbank
from ui import cache, data_parts, state

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
            data_parts.upload_report(store, report, file.name, sha, meta_json, author, lang)

with versions_tab:
    versions = store.versions()
    shown = versions_table(versions, lang)
    st.dataframe(  # a version without a file has no row counts: blank, not None
        data_parts.columns(shown, lang).style.format(na_rep=""),
        hide_index=True,
        key=state.lang_key("data_versions"),
    )
    ids = versions["version"].tolist()
    pick = st.selectbox(t("data.versions.pick", lang), ids, key="data_version_pick")
    st.caption(t("data.versions.link", lang))
    st.code(f"?version={pick}", language=None)
    if editor and st.button(t("data.versions.rollback", lang), key="data_rollback"):
        try:
            info = store.rollback(pick, author=author)
            data_parts.done(t("data.versions.rolled_back", lang, version=info.version))
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
            data_parts.columns(diff_table(diff.head(5000), lang), lang),
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
