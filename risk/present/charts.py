"""Altair charts for the profile and comparison (plain chart specs; the page draws them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


# -- charts (Altair specs; the pages render them) ---------------------------------------------
def pillar_chart(pillars: pd.DataFrame, labels: Mapping[str, str]) -> Any:
    """Bars of the country's pillar scores with ticks at the region and income-group medians.

    `labels` maps pillar keys and "country", "region_median", "income_median" to display text.
    """
    # deferred: altair is only needed when a chart is drawn
    import altair as alt

    long = pillars.melt(
        id_vars=["pillar"],
        value_vars=["country", "region_median", "income_median"],
        var_name="series",
        value_name="value",
    )
    long["pillar_label"] = long["pillar"].map(lambda p: labels.get(p, p))
    long["series_label"] = long["series"].map(lambda s: labels.get(s, s))
    order = [labels.get(p, p) for p in pillars["pillar"]]
    base = alt.Chart(long).encode(
        y=alt.Y("pillar_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("value:Q", scale=alt.Scale(domain=[0, 100]), title=None),
        tooltip=["pillar_label:N", "series_label:N", alt.Tooltip("value:Q", format=".1f")],
    )
    bars = base.transform_filter(alt.datum.series == "country").mark_bar(color="#2e75b6")
    ticks = (
        base.transform_filter(alt.datum.series != "country")
        .mark_tick(thickness=3, size=18)
        .encode(
            color=alt.Color(
                "series_label:N",
                title=None,
                # region median dark, income-group median red, in either language
                scale=alt.Scale(
                    domain=[
                        labels.get("region_median", "region_median"),
                        labels.get("income_median", "income_median"),
                    ],
                    range=["#222222", "#c00000"],
                ),
                legend=alt.Legend(orient="bottom"),
            )
        )
    )
    return (bars + ticks).properties(height=44 * len(order))


AXIS_NUMBER = "abs(datum.value) >= 1e6 ? format(datum.value, '.3~s') : format(datum.value, ',.3~g')"


def series_chart(series: pd.DataFrame) -> Any:
    """Small multiples of the key indicators over time (each with its own y scale)."""
    # deferred: altair is only needed when a chart is drawn
    import altair as alt

    data = series.assign(label=series["indicator"])  # the name already says its unit and scale
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d"), title=None),
            y=alt.Y(
                "value:Q",
                title=None,
                scale=alt.Scale(zero=False),
                # 2T rather than 2,000,000,000,000; small values as they are (0.61, not 610m)
                axis=alt.Axis(labelExpr=AXIS_NUMBER),
            ),
            tooltip=["label:N", "year:Q", alt.Tooltip("value:Q", format=",.4~g")],
        )
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("label:N", title=None), columns=2)
        .resolve_scale(y="independent")
    )


def compare_chart(long: pd.DataFrame, labels: Mapping[str, str]) -> Any:
    """Grouped bars: score and pillars, one colour per compared country."""
    # deferred: altair is only needed when a chart is drawn
    import altair as alt

    data = long.assign(pillar_label=long["pillar"].map(lambda p: labels.get(p, p)))
    order = list(dict.fromkeys(data["pillar_label"]))
    # colours follow the order the countries were picked in, whatever the language of their names
    countries = list(dict.fromkeys(data["name"]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "pillar_label:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelAngle=0, labelLimit=220),
            ),
            xOffset=alt.XOffset("name:N", sort=countries),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 100]), title=None),
            color=alt.Color(
                "name:N",
                title=None,
                sort=countries,
                scale=alt.Scale(domain=countries),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["name:N", "pillar_label:N", alt.Tooltip("value:Q", format=".1f")],
        )
        .properties(height=320)
    )
