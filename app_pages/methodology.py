"""Methodology: the framework table, each step's formula, sources, diagnostics and face validity."""

from datetime import date

import streamlit as st

from risk.framework import PILLARS
from risk.i18n import colon, t
from risk.present import methodology as m
from risk.spec import AGGREGATIONS, NORMALISATIONS, ScoreSpec
from risk.text import md_text
from ui import cache, state

lang = state.lang()
store = cache.store()
eng = cache.engine(store.data_version)
fw = eng.framework

st.title(t("method.title", lang))
st.write(t("method.intro", lang))

st.subheader(t("method.spec_heading", lang))
c1, c2, c3, c4 = st.columns(4)
presets = list(fw.presets)
preset = c1.selectbox(
    t("scoring.field.preset", lang),
    presets,
    format_func=lambda p: t(f"scoring.preset.{p}", lang),
    key="method_preset",
)
norm = c2.selectbox(
    t("scoring.field.normalisation", lang),
    NORMALISATIONS,
    format_func=lambda x: t(f"scoring.normalisation.{x}", lang),
    key="method_norm",
)
agg = c3.selectbox(
    t("scoring.field.aggregation", lang),
    AGGREGATIONS,
    format_func=lambda x: t(f"scoring.aggregation.{x}", lang),
    key="method_agg",
)
as_of = c4.date_input(t("scoring.field.as_of", lang), value=date.today(), key="method_as_of")
st.caption(t(f"scoring.preset_help.{preset}", lang))

spec = ScoreSpec.from_preset(
    preset, fw, normalisation=norm, aggregation=agg, as_of=as_of.isoformat(), mc_draws=0
)
result = eng.score(spec, monte_carlo=False)
for warning in result.warnings:
    st.warning(f"{t('method.warning', lang)}{colon(lang)}{md_text(warning)}")

st.subheader(t("method.framework_heading", lang))
st.caption(t("method.framework_caption", lang))
st.dataframe(m.framework_table(fw, lang), hide_index=True, key=state.lang_key("method_framework"))

st.subheader(t("method.presets_heading", lang))
st.dataframe(m.presets_table(fw, lang), hide_index=True, key=state.lang_key("method_presets"))

st.subheader(t("method.steps_heading", lang))
for step in m.STEPS:
    st.markdown(t(f"method.step.{step}", lang))

st.subheader(t("method.sources_heading", lang))
st.caption(t("method.sources_caption", lang))
st.dataframe(m.sources_table(fw, lang), hide_index=True, key=state.lang_key("method_sources"))

st.subheader(t("method.diagnostics_heading", lang))
corr, flags, audit = m.diagnostics(result)
st.markdown(f"**{t('method.corr_flags', lang)}**")
if flags.empty:
    st.write(t("method.no_flags", lang))
else:
    flags["flag"] = flags["flag"].map(lambda f: t(f"method.flag.{f}", lang))
    # a weak-link flag pairs an indicator with its pillar: name the pillar in words
    flags["b"] = [m.pillar_label(b, lang) if b in PILLARS else b for b in flags["b"]]
    st.dataframe(
        flags.round(2),
        hide_index=True,
        key=state.lang_key("method_flags"),
        column_config={c: t(f"method.col.{c}", lang) for c in ("flag", "pillar", "a", "b", "r")},
    )
st.markdown(f"**{t('method.drop_one', lang)}**")
audit["pillar"] = audit["pillar"].map(lambda p: m.pillar_label(p, lang))
st.dataframe(
    audit.round(2),
    hide_index=True,
    key=state.lang_key("method_drop_one"),
    column_config={
        "mean_abs_shift": st.column_config.NumberColumn(
            t("method.col.mean_shift", lang), format="%.2f"
        ),
        "max_shift": st.column_config.NumberColumn(t("method.col.max_shift", lang), format="%.0f"),
        "most_moved": t("method.col.most_moved", lang),
        "code": t("method.col.code", lang),
        "pillar": t("method.col.pillar", lang),
    },
)
with st.expander(t("method.corr_matrix", lang)):
    st.dataframe(corr.round(2), key=state.lang_key("method_corr"))

st.subheader(t("method.face_heading", lang))
st.caption(t("method.face_caption", lang))
tops = m.top_by_preset(eng, spec, lang)
for tab, top in zip(
    st.tabs([t(f"scoring.preset.{p}", lang) for p in tops]), tops.values(), strict=True
):
    tab.table(top, hide_index=True)  # a table wraps the reasons instead of cutting them
st.markdown(t("method.face_notes", lang))
