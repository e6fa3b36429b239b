"""Overview: every country on the map and in a table, in the chosen language."""

import streamlit as st

from risk.i18n import t
from risk.mapview import country_deck, region_colors
from ui import state

lang = state.lang()
store = state.store()
countries = state.table("countries", store.data_version)

st.title(t("app.title", lang))
st.caption(t("app.subtitle", lang))

view = countries.copy()
view["fill_color"] = region_colors(view)
view["region_label"] = view["region"].map(
    lambda r: t(f"region.{r}", lang) if isinstance(r, str) else ""
)
view["income_label"] = view["income_group"].map(
    lambda g: t(f"income.{g}", lang) if isinstance(g, str) else ""
)
props = view[["iso3", "name_zh_tw", "name_en", "region_label", "income_label", "fill_color"]]
tooltip = "{name_zh_tw} {name_en} ({iso3})\n{region_label} · {income_label}"
st.pydeck_chart(country_deck(state.geometry(), props, tooltip), key="overview_map", height=520)

st.subheader(t("countries.heading", lang))
st.caption(
    t("countries.caption", lang, n=len(countries), sovereign=int(countries["sovereign"].sum()))
)
left, right = st.columns([3, 1])
query = left.text_input(t("countries.search", lang), key="country_search")
sovereign_only = right.toggle(t("countries.sovereign_only", lang), value=True, key="sovereign_only")

rows = store.query(
    "SELECT iso3, name_zh_tw, name_en, region, subregion, income_group, sovereign, export_control_groups "
    "FROM countries WHERE (sovereign OR NOT $sov) AND ($q = '' OR name_zh_tw ILIKE '%' || $q || '%' "
    "OR name_en ILIKE '%' || $q || '%' OR iso3 ILIKE $q) ORDER BY name_en",
    {"sov": sovereign_only, "q": query.strip()},
)
rows["region"] = rows["region"].map(
    lambda r: t(f"region.{r}", lang) if isinstance(r, str) else None
)
rows["subregion"] = rows["subregion"].map(
    lambda r: t(f"subregion.{r}", lang) if isinstance(r, str) else None
)
rows["income_group"] = rows["income_group"].map(
    lambda g: t(f"income.{g}", lang) if isinstance(g, str) else None
)
st.dataframe(
    rows,
    hide_index=True,
    key="countries_table",
    column_config={c: t(f"col.{c}", lang) for c in rows.columns},
)
