"""Map views: pydeck decks built from the country geometry and a per-country table.

No basemap and no external request (`map_provider=None`); tooltips use deck.gl's `text` mode, which
renders values as plain text, never as markup.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pandas as pd
import pydeck as pdk

Color = list[int]

HOME_COLOR: Color = [214, 39, 40, 255]
NO_DATA_COLOR: Color = [215, 215, 215, 255]
LINE_COLOR: Color = [255, 255, 255, 200]
OCEAN_VIEW = pdk.ViewState(latitude=18, longitude=60, zoom=0.9, min_zoom=0.5, max_zoom=8)

# Categorical palette (colour-blind safe, Okabe-Ito) for regions.
REGION_COLORS: dict[str, Color] = {
    "Africa": [230, 159, 0, 230],
    "Americas": [86, 180, 233, 230],
    "Asia": [0, 158, 115, 230],
    "Europe": [0, 114, 178, 230],
    "Oceania": [204, 121, 167, 230],
}

COUNTRY_LAYER_ID = "countries"


def features_with(fc: Mapping, props: pd.DataFrame, key: str = "iso3") -> dict:
    """A copy of the FeatureCollection with each feature's properties extended from `props` (by iso3)."""
    by_key = props.set_index(key).to_dict("index") if not props.empty else {}
    out = copy.deepcopy(dict(fc))
    for feature in out["features"]:
        extra = by_key.get(feature["properties"][key], {})
        feature["properties"].update({k: _plain(v) for k, v in extra.items()})
    return out


def _plain(value: object) -> object:
    """JSON-safe plain values (no NaN, no numpy scalars)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()  # type: ignore[union-attr]
    if isinstance(value, list):
        return value
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def region_colors(countries: pd.DataFrame) -> pd.Series:
    """Fill colour per country by UN region; Taiwan (home) in its own colour."""
    colors = countries["region"].map(lambda r: REGION_COLORS.get(r, NO_DATA_COLOR))
    return colors.where(
        ~countries["iso3"].eq("TWN"),
        pd.Series([HOME_COLOR] * len(countries), index=countries.index),
    )


def country_deck(
    fc: Mapping, props: pd.DataFrame, tooltip_text: str, *, height: int = 520
) -> pdk.Deck:
    """A choropleth of countries: `props` must carry iso3 and fill_color (+ any tooltip fields)."""
    data = features_with(fc, props)
    layer = pdk.Layer(
        "GeoJsonLayer",
        data=data,
        id=COUNTRY_LAYER_ID,
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill_color",
        get_line_color=LINE_COLOR,
        line_width_min_pixels=0.5,
        auto_highlight=True,
        highlight_color=[255, 255, 0, 160],
    )
    return pdk.Deck(
        layers=[layer],
        initial_view_state=OCEAN_VIEW,
        map_provider=None,
        tooltip={"text": tooltip_text, "style": {"fontSize": "12px"}},
        views=[pdk.View(type="MapView", controller=True)],
        height=height,
    )
