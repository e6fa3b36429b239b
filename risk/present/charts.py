"""Altair charts for the profile and comparison (plain chart specs; the page draws them)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

# -- the profile's pillar bars, as HTML -------------------------------------------------------
# Drawn by the browser as plain boxes: no chart library to load before the profile shows (the
# chart library is the largest script a page can fetch). Same marks as the chart they replace:
# the country's bar, the region median as a dark tick, the income-group median as a red one.
BAR_COLOR = "#2e75b6"
REGION_TICK = "#222222"
INCOME_TICK = "#c00000"


def _pct(value: float | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{max(0.0, min(100.0, float(value))):.1f}"


def _tick(value: float | None, color: str, title: str) -> str:
    left = _pct(value)
    if left is None:
        return ""
    return (
        f"<span title='{html.escape(title)}' style='position:absolute;left:{left}%;top:-3px;"
        f"width:3px;height:calc(100% + 6px);margin-left:-1px;background:{color}'></span>"
    )


def pillar_bars_html(pillars: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """One bar per pillar (0-100) with the region and income-group medians as ticks, and a legend;
    `labels` maps pillar keys and "country", "region_median", "income_median" to display text
    (escaped here, like every value)."""
    region, income = labels.get("region_median", ""), labels.get("income_median", "")
    rows = []
    for rec in pillars.to_dict("records"):
        label = html.escape(labels.get(rec["pillar"], rec["pillar"]))
        width = _pct(rec["country"])
        value = f"{float(rec['country']):.1f}" if width is not None else "–"
        bar = (
            f"<span style='position:absolute;left:0;top:0;bottom:0;width:{width}%;"
            f"background:{BAR_COLOR}'></span>"
            if width is not None
            else ""
        )
        ticks = _tick(rec["region_median"], REGION_TICK, f"{region}: {_pct(rec['region_median'])}")
        ticks += _tick(rec["income_median"], INCOME_TICK, f"{income}: {_pct(rec['income_median'])}")
        rows.append(
            f"<div class='pillar-bar' style='display:flex;align-items:center;gap:10px;"
            f"margin:9px 0'><span style='flex:0 0 13rem;text-align:right'>{label}</span>"
            f"<span style='position:relative;flex:1;height:20px;background:#eef2f7'>{bar}{ticks}"
            f"</span><span style='flex:0 0 3rem;font-variant-numeric:tabular-nums'>{value}</span>"
            f"</div>"
        )
    axis = "".join(
        f"<span style='position:absolute;left:{x}%;transform:translateX(-50%)'>{x}</span>"
        for x in (0, 20, 40, 60, 80, 100)
    )
    legend = "".join(
        f"<span style='margin-right:1.2rem'><span style='display:inline-block;width:{w}px;"
        f"height:12px;background:{c};vertical-align:middle;margin-right:5px'></span>"
        f"{html.escape(text)}</span>"
        for c, w, text in (
            (BAR_COLOR, 14, labels.get("country", "")),
            (REGION_TICK, 3, region),
            (INCOME_TICK, 3, income),
        )
    )
    return (
        "<div class='pillar-bars' style='font-size:0.85rem'>"
        + "".join(rows)
        + "<div style='display:flex;gap:10px'><span style='flex:0 0 13rem'></span><span "
        "style='position:relative;flex:1;height:1.2em;color:#666;font-size:0.75rem'>"
        + axis
        + "</span><span style='flex:0 0 3rem'></span></div>"
        + f"<div style='margin-top:6px;color:#333'>{legend}</div></div>"
    )


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
