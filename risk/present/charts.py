"""Charts for the profile and comparison: bars drawn as plain HTML (pillars, compared countries)
and the trends chart as an Altair spec (the page draws it)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from risk.i18n import colon

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


def _text(value: object) -> str:
    """Text for an HTML block: escaped, on one line (a blank line would end the block)."""
    return html.escape(" ".join(str(value).split()))


def _tick(value: float | None, color: str, label: str, lang: str) -> str:
    left = _pct(value)
    if left is None:
        return ""
    title = _text(f"{label}{colon(lang)}{float(value):.1f}")  # type: ignore[arg-type]
    return (
        f"<span title='{title}' style='position:absolute;left:{left}%;top:-3px;"
        f"width:3px;height:calc(100% + 6px);margin-left:-1px;background:{color}'></span>"
    )


def _row(label: str, track: str, value: str, *, margin: str = "9px 0", height: int = 20) -> str:
    """One bar row: a label, the 0-100 track with its marks, the value (all escaped already)."""
    return (
        f"<div class='pillar-bar' style='display:flex;align-items:center;gap:10px;"
        f"margin:{margin}'><span style='flex:0 0 13rem;text-align:right'>{label}</span>"
        f"<span style='position:relative;flex:1;height:{height}px;background:#eef2f7'>{track}"
        f"</span><span style='flex:0 0 3rem;font-variant-numeric:tabular-nums'>{value}</span>"
        f"</div>"
    )


def _bar(value: float | None, color: str) -> tuple[str, str]:
    """(the filled part of a track, the value as text): nothing and a dash when missing."""
    width = _pct(value)
    if width is None:
        return "", "–"
    bar = (
        f"<span style='position:absolute;left:0;top:0;bottom:0;width:{width}%;"
        f"background:{color}'></span>"
    )
    return bar, f"{float(value):.1f}"  # type: ignore[arg-type]


def _legend(items: list[tuple[str, int, str]]) -> str:
    """Swatches (colour, width in pixels, text) in one line; the text is escaped here."""
    return "".join(
        f"<span style='margin-right:1.2rem;white-space:nowrap'><span style='display:inline-block;"
        f"width:{w}px;height:12px;background:{c};vertical-align:middle;margin-right:5px'></span>"
        f"{_text(text)}</span>"
        for c, w, text in items
    )


AXIS = (
    "<div style='display:flex;gap:10px'><span style='flex:0 0 13rem'></span><span "
    "style='position:relative;flex:1;height:1.2em;color:#666;font-size:0.75rem'>"
    + "".join(
        f"<span style='position:absolute;left:{x}%;transform:translateX(-50%)'>{x}</span>"
        for x in (0, 20, 40, 60, 80, 100)
    )
    + "</span><span style='flex:0 0 3rem'></span></div>"
)


def pillar_bars_html(pillars: pd.DataFrame, labels: Mapping[str, str], lang: str) -> str:
    """One bar per pillar (0-100) with the region and income-group medians as ticks, and a legend;
    `labels` maps pillar keys and "country", "region_median", "income_median" to display text
    (escaped here, like every value)."""
    region, income = labels.get("region_median", ""), labels.get("income_median", "")
    rows = []
    for rec in pillars.to_dict("records"):
        bar, value = _bar(rec["country"], BAR_COLOR)
        ticks = _tick(rec["region_median"], REGION_TICK, region, lang)
        ticks += _tick(rec["income_median"], INCOME_TICK, income, lang)
        rows.append(_row(_text(labels.get(rec["pillar"], rec["pillar"])), bar + ticks, value))
    legend = _legend(
        [
            (BAR_COLOR, 14, labels.get("country", "")),
            (REGION_TICK, 3, region),
            (INCOME_TICK, 3, income),
        ]
    )
    return (
        "<div class='pillar-bars' style='font-size:0.85rem'>"
        + "".join(rows)
        + AXIS
        + f"<div style='margin-top:6px;color:#333'>{legend}</div></div>"
    )


# The compared countries' colours, in the order they were picked (whatever the language of their
# names): the first five of the category palette the chart library uses.
COUNTRY_COLORS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b")


def compare_bars_html(long: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """Grouped bars of the compared countries (`compare_pillars`: iso3, name, pillar, value): per
    pillar one bar per country in its colour (by ISO3, in pick order), with the value; names and
    labels escaped."""
    countries = dict(zip(long["iso3"], long["name"], strict=True))  # pick order, one name each
    color = {c: COUNTRY_COLORS[i % len(COUNTRY_COLORS)] for i, c in enumerate(countries)}
    groups = []
    for pillar in dict.fromkeys(long["pillar"]):
        part = long[long["pillar"] == pillar]
        rows = []
        for rec in part.to_dict("records"):
            bar, value = _bar(rec["value"], color[rec["iso3"]])
            name = f"<span style='color:#555'>{_text(rec['name'])}</span>"
            rows.append(_row(name, bar, value, margin="3px 0", height=14))
        title = _text(labels.get(pillar, pillar))
        groups.append(
            f"<div style='margin:10px 0 4px;font-weight:600'>{title}</div>{''.join(rows)}"
        )
    legend = _legend([(color[c], 14, str(name)) for c, name in countries.items()])
    return (
        "<div class='compare-bars' style='font-size:0.85rem'>"
        + f"<div style='margin-bottom:4px;color:#333'>{legend}</div>"
        + "".join(groups)
        + AXIS
        + "</div>"
    )


# -- charts (Altair specs; the pages render them) ---------------------------------------------
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
