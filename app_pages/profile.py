"""Country profile: why a country scores as it does, its status, its data, and a one-page brief."""

from functools import partial

import streamlit as st

from risk.framework import PILLARS
from risk.gates import reason_label
from risk.i18n import colon, t
from risk.present.brief import MIME, brief, brief_file_name
from risk.present.charts import pillar_bars_html
from risk.text import md_text
from ui import cache, profile_parts, state, view
from ui.changes import profile_section as what_changed

lang = state.lang()
store = cache.store()
scored = view.scored_view(lang)
shared, version, result = scored.shared, scored.version, scored.result
names, options = scored.names, scored.options
tables = {name: cache.table(name, version) for name in ("countries", *profile_parts.LOCATOR_TABLES)}


def _pick() -> None:
    picked = st.session_state["profile_country"]
    st.session_state["selected"] = picked
    st.query_params["country"] = picked  # the URL first, so init_view keeps the new choice


st.title(t("profile.title", lang))
selected = shared.selected if shared.selected in options else None
st.session_state["profile_country"] = selected
st.selectbox(
    t("profile.choose", lang),
    options,
    key="profile_country",
    format_func=lambda c: scored.labels.get(c, f"{names.get(c, c)} ({c})"),
    placeholder=t("profile.choose_placeholder", lang),
    on_change=_pick,
)
query = view.publish(shared.replace(selected=selected, lang=lang))
links = st.columns(3)
links[0].page_link("app_pages/overview.py", label=t("profile.back", lang), query_params=query)
if selected is None:
    st.info(t("profile.pick_help", lang))
    st.stop()
compare_set = tuple(dict.fromkeys((*shared.compare, selected)))[-5:]
links[1].page_link(
    "app_pages/compare.py",
    label=t("profile.to_compare", lang),
    query_params={**query, "compare": ",".join(compare_set)},
)
profile = cache.profile(shared.spec.to_json(), version, selected, lang)

# -- headline --------------------------------------------------------------------------------
st.header(md_text(f"{profile.name(lang)} · {profile.other_name(lang)} ({profile.iso3})"))
region = t(f"region.{profile.region}", lang) if profile.region else "–"
income = t(f"income.{profile.income_group}", lang) if profile.income_group else "–"
business = t(f"bregion.{profile.business_region}", lang) if profile.business_region else "–"
st.caption(
    md_text(
        f"{region} · {t(f'subregion.{profile.subregion}', lang)} · {income} · "
        f"{t('profile.business_region', lang)}{colon(lang)}{business} · "
        f"{t('app.data_version', lang)} {version}"
    )
)
cols = st.columns(4)
cols[0].metric(
    t("metric.score", lang), "–" if profile.score != profile.score else f"{profile.score:.1f}"
)
cols[1].metric(t("col.rank", lang), profile.rank_text())
cols[2].metric(t("profile.interval", lang), profile.interval_text())
cols[3].metric(
    t("col.eligible", lang),
    t("profile.eligible", lang) if profile.eligible else t("common.no", lang),
)
if not profile.eligible:
    st.error(t("profile.ineligible", lang, reason=reason_label(profile.reason, lang)))
if profile.imputed_count:
    st.warning(t("profile.imputed_note", lang, n=profile.imputed_count))
if profile.low_coverage:
    st.warning(t("profile.low_coverage", lang))

with st.container(horizontal=True):
    for fmt in ("pdf", "png"):
        st.download_button(
            t(f"profile.download_{fmt}", lang),
            data=partial(brief, profile, lang, fmt),
            file_name=brief_file_name(profile, lang, fmt),
            mime=MIME[fmt],
            key=f"brief_{fmt}",
            on_click="ignore",
        )

what_changed(store, shared.spec.to_json(), version, selected, profile.name(lang), lang)

# -- pillars ---------------------------------------------------------------------------------
st.subheader(t("profile.pillars", lang))
labels = {p: t(f"metric.{p}", lang) for p in ("score", *PILLARS)}
labels |= {k: t(f"profile.{k}", lang) for k in ("country", "region_median", "income_median")}
st.markdown(pillar_bars_html(profile.pillars, labels, lang), unsafe_allow_html=True)

# -- the sections below ------------------------------------------------------------------
profile_parts.status(profile, lang)
profile_parts.buildout_and_deals(profile, lang)
profile_parts.indicators(profile, labels, lang)
profile_parts.infrastructure_and_policy(profile, tables, version, lang)
