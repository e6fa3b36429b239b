"""The country profile's sections below the pillars (app_pages/profile.py draws them in order):
the status (export controls, AI Diffusion tier, blocs, Taiwan), the AI build-out and the US
agreements, every indicator with the trends, and the infrastructure and policy timeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd
import streamlit as st

from risk.i18n import colon, name_column, t
from risk.ingest.sources import publisher_of
from risk.present.charts import series_chart
from risk.present.maps import locator_deck
from risk.present.overview import layer_legend, legend_html
from risk.present.profile import (
    Profile,
    buildout_summary,
    cluster_view,
    epoch_citation,
    partnership_view,
)
from risk.present.tables import Column, html_table
from risk.text import fmt_number, md_text
from ui import cache, maps, state

LOCATOR_TABLES = ("cloud_regions", "landing_points")  # read for the map of the infrastructure


def table(
    where: Any,
    frame: pd.DataFrame,
    key: str,
    lang: str,
    formats: Mapping[str, str] | None = None,
    **columns: Column,
) -> None:
    """A table with translated headers (`html_table`: cells are escaped text); "none" in words
    when there is nothing to list, "–" for a missing number. `columns` replace a column's default
    look (its translated header, numbers right-aligned)."""
    if frame.empty:
        where.caption(t("profile.none", lang))
        return
    look = {c: columns.get(c) or Column(t(f"profile.col.{c}", lang)) for c in frame.columns}
    where.html(html_table(frame, look, state.lang_key(key), formats=formats or {}))


def text_column(
    col: str, lang: str, width: int | None, align: Literal["left", "right"] = "left"
) -> Column:
    """A text column with its translated header."""
    return Column(t(f"profile.col.{col}", lang), width=width, align=align)


def status(profile: Profile, lang: str) -> None:
    st.subheader(t("profile.status", lang))
    left, right = st.columns(2)
    left.markdown(f"**{t('profile.ear_groups', lang)}**")
    ec = profile.export_controls
    ec = ec.assign(
        role=[t(f"profile.role.{r}", lang) for r in ec["role"]],
        status=[t(f"profile.ec_status.{x}", lang) for x in ec["status"]],
    )
    table(left, ec, "ec_table", lang)
    left.markdown(f"**{t('profile.diffusion', lang)}**")
    table(left, profile.diffusion, "tier_table", lang)
    right.markdown(f"**{t('profile.blocs', lang)}**")
    table(
        right,
        profile.blocs.assign(bloc=[t(f"bloc.{b}", lang) for b in profile.blocs["bloc"]]),
        "bloc_table",
        lang,
    )
    yes, no = t("common.yes", lang), t("common.no", lang)
    for key, value in profile.flags.items():
        right.text(f"{t(f'profile.flag.{key}', lang)}{colon(lang)}{yes if value else no}")
    if not profile.taiwan.empty:
        table(
            right,
            profile.taiwan.assign(
                relation=[t(f"tw.{r}", lang) for r in profile.taiwan["relation"]]
            ),
            "tw_table",
            lang,
        )


def buildout_and_deals(profile: Profile, lang: str) -> None:
    source = Column(t("profile.col.link", lang), link_text=t("profile.link_text", lang))
    st.subheader(t("profile.buildout", lang))
    if profile.clusters.empty:
        st.info(t("profile.no_clusters", lang))
    else:
        st.caption(buildout_summary(profile.clusters, lang))
        table(
            st,
            cluster_view(profile.clusters, lang),
            "cluster_table",
            lang,
            name=text_column("name", lang, 190),
            status=text_column("status", lang, 70),
            h100e=text_column("h100e", lang, 120, "right"),
            power_mw=text_column("power_mw", lang, 85, "right"),
            owner=text_column("owner", lang, 115),
            first_operational=text_column("first_operational", lang, 115),
            certainty=text_column("certainty", lang, 80),
            link=source,
            counted=Column(t("profile.col.counted", lang)),
        )
    st.caption(md_text(epoch_citation(lang)))
    st.subheader(t("profile.us_deals", lang))
    if profile.partnerships.empty:
        st.caption(t("profile.no_us_deals", lang))
    else:
        st.caption(t("profile.us_deals_help", lang, as_of=profile.as_of))
        table(
            st,
            partnership_view(profile.partnerships, lang),
            "us_deal_table",
            lang,
            agreement=text_column("agreement", lang, 230),
            kind=text_column("kind", lang, 220),
            signed=text_column("signed", lang, 90),
            source_title=text_column("source_title", lang, 200),
            link=source,
        )


def indicators(profile: Profile, labels: Mapping[str, str], lang: str) -> None:
    st.subheader(t("profile.indicators", lang))
    st.caption(t("profile.indicators_help", lang))
    shown = profile.indicators.assign(
        pillar=[labels.get(p, p) for p in profile.indicators["pillar"]],
        value=[fmt_number(v, lang) for v in profile.indicators["value"]],  # 2.16 trillion, 2.16兆
        source=[publisher_of(s) for s in profile.indicators["source"]],
    )
    table(
        st,
        shown,
        "indicator_table",
        lang,
        indicator=text_column("indicator", lang, 260),
        unit=text_column("unit", lang, 150),
        value=text_column("value", lang, None, "right"),
        formats={
            "year": "{:.0f}",
            "normalised": "{:.1f}",
            "percentile": "{:.0f}",
            "weight": "{:.3f}",
            "contribution": "{:.2f}",
        },
    )
    if not profile.series.empty:
        # drawn when opened: the chart library is the largest script the page would otherwise load
        # (one label per language: a label that changed with the country would close the panel)
        trends = st.expander(
            t("profile.series", lang), key="profile_trends_open", on_change="rerun"
        )
        if trends.open:
            trends.altair_chart(series_chart(profile.series))


def infrastructure_and_policy(
    profile: Profile, tables: Mapping[str, pd.DataFrame | None], version: str, lang: str
) -> None:
    left, right = st.columns(2)
    left.subheader(t("profile.cloud", lang))
    cloud = profile.cloud
    text_cols = cloud.select_dtypes(include=["object", "string"]).columns
    cloud = cloud.assign(**{c: cloud[c].fillna("") for c in text_cols})  # blank, not "None"
    table(
        left,
        cloud.assign(provider_origin=[t(f"origin.{o}", lang) for o in cloud["provider_origin"]]),
        "cloud_table",
        lang,
    )
    right.subheader(t("profile.landings", lang))
    table(right, profile.landings, "landing_table", lang)
    if not (profile.cloud.empty and profile.landings.empty):
        # drawn when opened, like the trends: a second map would hold the page back as it loads
        where = st.expander(
            t("profile.locator_map", lang), key="profile_map_open", on_change="rerun"
        )
        if where.open:
            here = {k: v for k in LOCATOR_TABLES if (v := tables.get(k)) is not None}
            points = {k: v[v["iso3"] == profile.iso3] for k, v in here.items()}
            countries = tables.get("countries")
            assert countries is not None  # every version has its countries
            labels_by_iso3 = countries[["iso3", name_column(lang)]]
            deck = locator_deck(
                cache.geometry(),
                profile.iso3,
                labels_by_iso3.set_axis(["iso3", "name"], axis=1),
                cloud=points.get("cloud_regions"),
                landings=points.get("landing_points"),
            )
            maps.show(where, deck, version, key="profile_map", height=420)
            legend = layer_legend({"cloud", "landings"}, lang)
            where.markdown(
                legend_html(t("overview.layers", lang), legend, lang), unsafe_allow_html=True
            )
    st.subheader(t("profile.policy", lang))
    pol = profile.policy
    scope = [t(f"profile.scope.{x}", lang) for x in pol["scope"]]
    table(st, pol.assign(scope=scope), "policy_table", lang)
