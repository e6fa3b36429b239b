"""Map views: pydeck decks built from the country geometry and a per-country table.

No basemap and no external request (`map_provider=None`); tooltips use deck.gl's `text` mode, which
renders values as plain text, never as markup.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from risk.geo import plain_value
from risk.text import css_string

Color = list[int]

HOME_COLOR: Color = [214, 39, 40, 255]
NO_DATA_COLOR: Color = [215, 215, 215, 255]
# The whole world (about 730 px wide at this zoom) fits the map on a 1280 px screen with the
# sidebar open.
OCEAN_VIEW = pdk.ViewState(latitude=22, longitude=15, zoom=0.52, min_zoom=0.4, max_zoom=4)

COUNTRY_LAYER_ID = "countries"


class CompactDeck(pdk.Deck):
    """A Deck that serialises to compact JSON (pydeck indents, which is several times larger and
    forces Python's slow JSON encoder). Layer data given as a placeholder string is replaced by
    JSON text prepared once (the country shapes never change between reruns)."""

    def set_fragments(self, fragments: dict[str, str | Callable[[], str]]) -> None:
        self.__dict__["_fragments"] = fragments

    def add_fragment(self, placeholder: str, fragment: str | Callable[[], str]) -> None:
        self.__dict__.setdefault("_fragments", {})[placeholder] = fragment

    def to_json(self) -> str:
        # not part of the spec itself: the fragments, and what the country layer is built from
        fragments = self.__dict__.pop("_fragments", {})
        countries = self.__dict__.pop("_countries", None)
        try:
            text = json.dumps(
                self, sort_keys=True, default=default_serialize, separators=(",", ":")
            )
        finally:
            self.__dict__["_fragments"] = fragments
            if countries is not None:
                self.__dict__["_countries"] = countries
        for placeholder, fragment in fragments.items():
            # a fragment may be given as a function: built only if the deck is sent with it
            fragment = fragment() if callable(fragment) else fragment
            text = text.replace(json.dumps(placeholder), fragment, 1)
        return text


def _round_rings(rings: list, digits: int) -> list:
    return [[[round(x, digits), round(y, digits)] for x, y in ring] for ring in rings]


_SHAPES_CACHE: dict[int, list[tuple[str, str]]] = {}

# Borders are drawn as gaps: each polygon is inset a little, so the background shows between
# neighbours as a thin line. A second (line) layer would double the browser's drawing work.
INSET = 0.07  # degrees: neighbours sit ~0.14 degrees apart, about a third of a pixel at world view
INSET_SHARE = 0.04  # ... and at most this share of a part's size, so small islands stay whole
# Islets (and slivers the inset cuts off) under this many square degrees (about 60 km2) are left
# off countries larger than LARGE_COUNTRY: at most two pixels at the closest zoom, each would
# still cost the browser a whole pickable object. Small island states keep every part.
MIN_PART = 0.005
LARGE_COUNTRY = 1.0


def inset_parts(polygon: shapely.Polygon) -> list[shapely.Polygon]:
    """One polygon part inset by INSET; the part itself if nothing is left.

    A narrow neck can split a part, so the result is a list of parts.
    """
    width = min(INSET, INSET_SHARE * polygon.area**0.5)
    shrunk = polygon.buffer(-width, join_style="mitre") if width > 0 else polygon
    if shrunk.is_empty:
        return [polygon]
    lon0, _, lon1, _ = polygon.bounds
    if lon0 <= -180 + 1e-6 or lon1 >= 180 - 1e-6:
        # The date line cuts a country (Russia, Fiji), it is not a border: no gap along it.
        edges = shapely.union_all(
            [shapely.box(-180, -90, -180 + width, 90), shapely.box(180 - width, -90, 180, 90)]
        )
        shrunk = shrunk.union(polygon.intersection(edges))
    # a union can nest parts in a collection, or leave stray lines or points: polygons only
    return [
        part
        for member in shapely.get_parts(shrunk)
        for part in shapely.get_parts(member)
        if part.geom_type == "Polygon"
    ]


def _rings(polygon: shapely.Polygon) -> list:
    return [polygon.exterior.coords, *(hole.coords for hole in polygon.interiors)]


def _shapes(fc: Mapping, key: str, digits: int) -> list[tuple[str, str]]:
    """Polygon parts as (owner key, coordinates as JSON text), computed once per (shared, cached)
    FeatureCollection.

    Coordinates are rounded to `digits` decimals (2 = about 1 km): the world map never needs more,
    and the browser's work grows with the size of what it is sent.
    """
    cache_key = id(fc)
    if cache_key not in _SHAPES_CACHE:
        parts: list[tuple[str, str]] = []
        dumps = partial(json.dumps, separators=(",", ":"))
        for feature in fc["features"]:
            owner = feature["properties"][key]
            geometry = shapely.geometry.shape(feature["geometry"])
            insets = [inset for part in shapely.get_parts(geometry) for inset in inset_parts(part)]
            areas = [inset.area for inset in insets]
            largest = max(range(len(insets)), key=areas.__getitem__)
            large = sum(areas) >= LARGE_COUNTRY
            for i, (inset, area) in enumerate(zip(insets, areas, strict=True)):
                if large and area < MIN_PART and i != largest:
                    continue
                # the smallest states (Vatican, Monaco) would collapse on the coarse grid
                fine = digits + 1 if area < MIN_PART else digits
                parts.append((owner, dumps(_round_rings(_rings(inset), fine))))
        _SHAPES_CACHE.clear()
        _SHAPES_CACHE[cache_key] = parts
        return parts
    return _SHAPES_CACHE[cache_key]


def polygon_rows_json(fc: Mapping, props: pd.DataFrame, key: str = "iso3", digits: int = 2) -> str:
    """JSON text of one row per polygon part: the country's properties plus `polygon`.

    Streamlit's map selection only reports picks from primitive deck.gl layers, so countries are
    drawn as a SolidPolygonLayer (pickable), their borders as the gaps between inset polygons.
    """
    by_key = props.set_index(key).to_dict("index") if not props.empty else {}
    # Places without a row (territories that are not scored) are drawn in the no-data grey.
    blank = json.dumps({"fill_color": NO_DATA_COLOR}, separators=(",", ":"))[1:-1]
    heads = {
        code: json.dumps(
            {k: plain_value(v) for k, v in values.items()},
            separators=(",", ":"),
            ensure_ascii=False,
        )[1:-1]
        for code, values in by_key.items()
    }
    rows = []
    for code, coords in _shapes(fc, key, digits):
        head = heads.get(code, blank)
        rows.append(
            "{"
            + json.dumps(key)
            + ":"
            + json.dumps(code)
            + ","
            + head
            + ',"polygon":'
            + coords
            + "}"
        )
    return "[" + ",".join(rows) + "]"


# An outline at world view needs no more than this: coordinates on a 0.1 degree grid (about 10 km),
# simplified within the same tolerance, and no islets under OUTLINE_MIN_AREA square degrees.
OUTLINE_DIGITS = 1
OUTLINE_MIN_AREA = 0.05


_OUTLINES_CACHE: dict[int, dict[str, list[str]]] = {}


def _outline_rows(fc: Mapping, key: str, codes: set[str]) -> dict[str, list[str]]:
    """The outline segments (one JSON row `{"s": from, "t": to}` each) of each country, computed
    on first use and kept per (shared, cached) FeatureCollection: a status changes which countries
    are outlined, never their shapes."""
    cache_key = id(fc)
    if cache_key not in _OUTLINES_CACHE:
        _OUTLINES_CACHE.clear()
        _OUTLINES_CACHE[cache_key] = {}
    known = _OUTLINES_CACHE[cache_key]
    missing = codes - known.keys()
    if missing:
        rows: dict[str, list[str]] = {code: [] for code in missing}
        for code, coords in _shapes(fc, key, 2):
            if code not in missing:
                continue
            part = shapely.Polygon(json.loads(coords)[0])
            if part.area < OUTLINE_MIN_AREA:
                continue
            ring = _round_rings(
                [part.simplify(10**-OUTLINE_DIGITS).exterior.coords], OUTLINE_DIGITS
            )
            for a, b in itertools.pairwise(ring[0]):
                if a != b:  # a segment the coarse grid collapsed draws nothing
                    rows[code].append(json.dumps({"s": a, "t": b}, separators=(",", ":")))
        known.update(rows)
    return known


def outline_rows_json(fc: Mapping, codes: Collection[str], key: str = "iso3") -> str:
    """JSON text of the outline segments of `codes`, from the parts the countries layer draws (in
    the order of the shapes)."""
    wanted = set(codes)
    rows = _outline_rows(fc, key, wanted)
    order = dict.fromkeys(code for code, _ in _shapes(fc, key, 2) if code in wanted)
    return "[" + ",".join(row for code in order for row in rows[code]) + "]"


def country_deck(
    fc: Mapping, props: pd.DataFrame, tooltip_text: str, *, height: int = 520
) -> CompactDeck:
    """A choropleth of countries: `props` must carry iso3 and fill_color (+ any tooltip fields)."""
    fill = pdk.Layer(
        "SolidPolygonLayer",
        data="@@countries@@",
        id=COUNTRY_LAYER_ID,
        pickable=True,
        filled=True,
        get_polygon="polygon",
        get_fill_color="fill_color",
        auto_highlight=True,
        highlight_color=[255, 255, 0, 160],
    )
    deck = CompactDeck(
        layers=[fill],
        initial_view_state=OCEAN_VIEW,
        map_provider=None,
        tooltip={"text": tooltip_text, "style": {"fontSize": "12px"}},
        views=[pdk.View(type="MapView", controller=True)],
        height=height,
    )
    deck.set_fragments({"@@countries@@": partial(polygon_rows_json, fc, props)})
    deck.__dict__["_countries"] = (props, tooltip_text)  # for `serve_shapes`
    return deck


# -- the country shapes, sent once ------------------------------------------------------------
# The browser reads every deck it is sent with a slow JSON reader written in JavaScript, and the
# shapes are most of the map's bytes. Served as one static file, they are fetched once and kept;
# each rerun then sends only the colours (looked up by ISO3 in the browser) and the tooltip lines
# (a style sheet beside the map).
SHAPE_FIELDS = ("iso3", "name_en", "name_zh_tw")  # each row's properties in the static file
TIP_CLASS = "map-tip"
_PLACEHOLDER = re.compile(r"\{(.*?)\}")  # deck.gl's tooltip fields, as it finds them


def shapes_file_json(fc: Mapping, names: pd.DataFrame) -> str:
    """The static shapes file: one row per polygon part, `{"properties": {iso3, name_en,
    name_zh_tw}, "polygon": rings}` (the same parts as `polygon_rows_json`), names from `names`
    (the countries table)."""
    by_code = names.drop_duplicates("iso3").set_index("iso3")[list(SHAPE_FIELDS[1:])]
    heads: dict[str, str] = {}
    rows = []
    for code, coords in _shapes(fc, "iso3", 2):
        if code not in heads:
            values = by_code.loc[code].to_dict() if code in by_code.index else {}
            props = {"iso3": code, **{k: plain_value(v) for k, v in values.items()}}
            heads[code] = json.dumps(props, separators=(",", ":"), ensure_ascii=False)
        rows.append('{"properties":' + heads[code] + ',"polygon":' + coords + "}")
    return "[" + ",".join(rows) + "]"


def fill_lookup(props: pd.DataFrame) -> dict[str, Any]:
    """The country layer's fill as a lookup the browser runs on each shape's ISO3 (deck.gl's
    `colorCategories`); shapes without a row are drawn in the no-data grey."""
    return {
        "@@function": "colorCategories",
        "attr": "iso3",
        "domain": [str(c) for c in props["iso3"]],
        "colors": [[int(x) for x in c] for c in props["fill_color"]],
        "othersColor": NO_DATA_COLOR,
    }


def _js_text(value: Any) -> str:
    """A value as the deck's tooltip writes it (JavaScript's String())."""
    if isinstance(value, str):
        return value
    value = plain_value(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_js_text(v) for v in value)
    return str(value)


def split_tooltip(template: str) -> tuple[str, str]:
    """(lines the static shapes' own fields fill, the rest): the first part is filled in the
    browser, the rest per country on the server."""
    lines = template.split("\n")
    head = 0
    while head < len(lines) and set(_PLACEHOLDER.findall(lines[head])) <= set(SHAPE_FIELDS):
        head += 1
    return "\n".join(lines[:head]), "\n".join(lines[head:])


def tooltip_sheet(template: str, props: pd.DataFrame) -> str:
    """The tooltip lines of every country that depend on the view (scores, ranks, status) as an
    HTML style sheet: one rule per country giving its lines as generated text, every value a
    CSS string (`css_string`), so nothing from data is ever read as markup."""
    _, tail = split_tooltip(template)
    if not tail:
        return ""
    pieces = _PLACEHOLDER.split(tail)  # text, field, text, field, ..., text
    texts, fields = pieces[0::2], pieces[1::2]
    # each field's values as the deck would write them; a field no row has stays as written
    values = [
        [_js_text(v) for v in props[f]] if f in props.columns else ["{" + f + "}"] * len(props)
        for f in fields
    ]
    rules = [f".{TIP_CLASS}::after{{white-space:pre-line}}"]
    for i, code in enumerate(props["iso3"]):
        parts = [texts[0]]
        for column, text in zip(values, texts[1:], strict=True):
            parts += (column[i], text)
        rules.append(
            f".{TIP_CLASS}[data-tip={css_string(code)}]::after"
            f"{{content:{css_string(''.join(parts))}}}"
        )
    return "<style>" + "".join(rules) + "</style>"


def serve_shapes(deck: pdk.Deck, url: str) -> str:
    """Switch a deck's country layer (`country_deck`) to the static shapes file at `url`
    (`shapes_file_json`): the colours become a lookup, the tooltip's first lines come from the
    file and the others from the returned style sheet, which the page shows beside the map.
    Picks still report the clicked country (its `properties.iso3`)."""
    built = deck.__dict__.pop("_countries", None)
    if built is None:
        return ""
    props, template = built
    layer = next(layer for layer in deck.layers if layer.id == COUNTRY_LAYER_ID)
    layer.data = url
    fill = fill_lookup(props)
    layer.get_fill_color = fill
    digest = hashlib.sha1(json.dumps(fill, sort_keys=True).encode()).hexdigest()[:12]
    layer.update_triggers = {"getFillColor": digest}  # new colours, same shapes
    head, tail = split_tooltip(template)
    tip = html.escape(head).replace("\n", "<br>")
    if tail:
        tip += f'<div class="{TIP_CLASS}" data-tip="{{iso3}}"></div>'
    deck._tooltip = {"html": tip, "style": dict(deck._tooltip.get("style") or {})}  # type: ignore[attr-defined]
    deck.__dict__.get("_fragments", {}).pop("@@countries@@", None)
    return tooltip_sheet(template, props)


ORIGIN_COLORS: dict[str, Color] = {
    "US": [31, 119, 180, 230],
    "China": [214, 39, 40, 230],
    "other": [120, 120, 120, 230],
}


# The AI build-out: existing compute as a filled disc, planned compute as a ring around it; the
# area grows with H100-equivalents (radius on a square-root scale), in screen pixels so the symbols
# keep their size at every zoom. BUILDOUT_REF H100e draws a BUILDOUT_REF_PX ring.
BUILDOUT_EXISTING_COLOR: Color = [127, 39, 4, 220]
BUILDOUT_PLANNED_COLOR: Color = [230, 85, 13, 235]
# magenta: stands out on every fill of the blue score palette, the greys and the yellows
US_DEAL_COLOR: Color = [230, 0, 126, 255]
BUILDOUT_REF = 1e7
BUILDOUT_REF_PX = 26.0
BUILDOUT_MIN_PX = 2.5
BUILDOUT_MAX_PX = 36.0


def buildout_radius(h100e: float) -> float:
    """Symbol radius in pixels for an amount of AI compute (0 for none)."""
    if not h100e > 0:
        return 0.0
    r = BUILDOUT_MIN_PX + BUILDOUT_REF_PX * math.sqrt(h100e / BUILDOUT_REF)
    return round(min(r, BUILDOUT_MAX_PX), 1)


def buildout_records(points: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """(planned rings, existing discs) for the deck: label point and pixel radius, rounded."""
    planned: list[dict] = []
    existing: list[dict] = []
    for rec in points.to_dict("records"):
        pos = [round(float(rec["lon"]), 2), round(float(rec["lat"]), 2)]
        for amount, out in ((rec["planned"], planned), (rec["existing"], existing)):
            if (r := buildout_radius(float(amount))) > 0:
                out.append({"p": pos, "r": r})
    return planned, existing


def _buildout_layers(points: pd.DataFrame) -> list[pdk.Layer]:
    planned, existing = buildout_records(points)
    # units are quoted: pydeck reads a bare string as an expression ("@@=pixels")
    common = {"pickable": False, "get_position": "p", "get_radius": "r", "radius_units": "'pixels'"}
    return [
        pdk.Layer(
            "ScatterplotLayer",
            data=existing,
            id="buildout_existing",
            filled=True,
            stroked=False,
            get_fill_color=BUILDOUT_EXISTING_COLOR,
            **common,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=planned,
            id="buildout_planned",
            filled=False,
            stroked=True,
            get_line_color=BUILDOUT_PLANNED_COLOR,
            line_width_units="'pixels'",
            get_line_width=2,
            **common,
        ),
    ]


OUTLINE_LAYER_TYPE = "LineLayer"


def _outline_layer(layer_id: str, color: Color, width: float) -> pdk.Layer:
    """Borders of some countries, drawn over the fills as line segments (data: `outline_rows_json`).
    A LineLayer, not a PathLayer or an unfilled PolygonLayer: the same lines at a constant width
    in pixels, and the cheapest line layer for a browser without a graphics card to prepare
    before the first map (measured: a PathLayer delays it by about half a second)."""
    return pdk.Layer(
        OUTLINE_LAYER_TYPE,
        data=f"@@{layer_id}@@",
        id=layer_id,
        pickable=False,
        get_source_position="s",
        get_target_position="t",
        get_color=color,
        width_units="'pixels'",
        get_width=width,
    )


def serve_outlines(deck: pdk.Deck, publish: Callable[[str, str], str | None]) -> None:
    """Move the outline layers' segments (`overview_deck`) out of the deck: `publish(layer id,
    JSON text)` returns the address the browser fetches them from (and keeps), or None to leave
    a layer's segments inside the deck."""
    fragments = deck.__dict__.get("_fragments", {})
    for layer in deck.layers:
        placeholder = layer.data if isinstance(layer.data, str) else ""
        if layer.type != OUTLINE_LAYER_TYPE or placeholder not in fragments:
            continue
        text = fragments[placeholder]
        url = publish(layer.id, text() if callable(text) else text)
        if url is not None:
            layer.data = url
            del fragments[placeholder]


def overview_deck(
    fc: Mapping,
    props: pd.DataFrame,
    tooltip_text: str,
    *,
    arcs: pd.DataFrame | None = None,
    cloud: pd.DataFrame | None = None,
    landings: pd.DataFrame | None = None,
    cables: Mapping | None = None,
    buildout: pd.DataFrame | None = None,
    us_deals: Collection[str] | None = None,
    outlines: Mapping[str, tuple[Collection[str], Color, float]] | None = None,
    height: int = 540,
) -> pdk.Deck:
    """The score map: the country choropleth plus optional arcs, cloud regions, landings, cables,
    the AI build-out (`buildout`: iso3, lon, lat, existing, planned), the outlines of the
    countries with a US AI agreement in force (`us_deals`: ISO3 codes) and status outlines
    (`outlines`: name -> (ISO3 codes, colour, width in pixels), one layer each)."""
    deck = country_deck(fc, props, tooltip_text, height=height)
    layers = list(deck.layers)
    for name, (codes, color, width) in (outlines or {}).items():
        layers.append(_outline_layer(f"outline_{name}", color, width))
        deck.add_fragment(f"@@outline_{name}@@", outline_rows_json(fc, codes))
    if us_deals is not None:
        layers.append(_outline_layer("us_deals", US_DEAL_COLOR, 2))
        deck.add_fragment("@@us_deals@@", outline_rows_json(fc, us_deals))
    if cables is not None:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data=dict(cables),
                id="cables",
                pickable=False,
                stroked=True,
                filled=False,
                get_line_color=[90, 90, 160, 110],
                line_width_min_pixels=1,
            )
        )
    if landings is not None and not landings.empty:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=landings[["lon", "lat"]].to_dict("records"),
                id="landings",
                pickable=False,
                get_position=["lon", "lat"],
                get_fill_color=[60, 60, 60, 200],
                radius_min_pixels=1.5,
                radius_max_pixels=4,
                get_radius=8000,
            )
        )
    if cloud is not None and not cloud.empty:
        # Chinese providers' regions are drawn last and smaller, so where they share a city with
        # US ones (Frankfurt, Seoul) both stay visible: a red dot inside a blue one.
        order = {"US": 0, "other": 1, "China": 2}
        data = cloud.assign(
            color=cloud["provider_origin"].map(
                lambda o: ORIGIN_COLORS.get(o, ORIGIN_COLORS["other"])
            ),
            radius=cloud["provider_origin"].map(lambda o: 15000 if o == "China" else 30000),
            _order=cloud["provider_origin"].map(lambda o: order.get(o, 1)),
        ).sort_values("_order", kind="stable")
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=data[["lon", "lat", "color", "radius"]].to_dict("records"),
                id="cloud",
                pickable=False,
                get_position=["lon", "lat"],
                get_fill_color="color",
                get_line_color=[255, 255, 255, 255],
                stroked=True,
                line_width_min_pixels=1,
                radius_min_pixels=2,
                radius_max_pixels=7,
                get_radius="radius",
            )
        )
    if arcs is not None and not arcs.empty:
        layers.append(
            pdk.Layer(
                "ArcLayer",
                data=arcs[["source", "target"]].to_dict("records"),
                id="arcs",
                pickable=False,
                get_source_position="source",
                get_target_position="target",
                get_source_color=[*HOME_COLOR[:3], 150],
                get_target_color=[12, 44, 132, 150],
                get_width=1,
                width_min_pixels=1,
                width_max_pixels=1.5,
                great_circle=False,  # great circles over the pole leave the map
            )
        )
    if buildout is not None and not buildout.empty:
        layers += _buildout_layers(buildout)  # on top: the rings stay visible over the arcs
    deck.layers = layers
    return deck


LOCATOR_COLOR: Color = [253, 208, 120, 255]  # light orange: the blue and red points stay visible
OTHER_COLOR: Color = [225, 225, 225, 255]


def lon_extent(lons: np.ndarray) -> tuple[float, float]:
    """West and east edges of a set of longitudes on the circle: the ends of the widest empty gap,
    so a country across the date line spans it (170 to 190) instead of the whole world."""
    xs = np.unique(np.asarray(lons, dtype=float))
    if len(xs) < 2:
        return float(xs[0]), float(xs[0])
    gaps = np.append(np.diff(xs), xs[0] + 360 - xs[-1])  # the last gap wraps around
    i = int(np.argmax(gaps))
    if i == len(xs) - 1:  # the widest gap is the wrap-around one: no crossing
        return float(xs[0]), float(xs[-1])
    return float(xs[i + 1]), float(xs[i] + 360)


def fit_view(fc: Mapping, iso3: str, width: int = 700, height: int = 420) -> pdk.ViewState:
    """A view centred on one country, zoomed so it fills about three quarters of the map
    (at most the map's closest zoom). Countries across the date line (Russia, Fiji) are measured
    on the side where they are whole."""

    feature = next((f for f in fc["features"] if f["properties"]["iso3"] == iso3), None)
    if feature is None:  # a territory without a shape: the world view
        return OCEAN_VIEW
    geometry = shapely.geometry.shape(feature["geometry"])
    _, lat0, _, lat1 = geometry.bounds
    lon0, lon1 = lon_extent(shapely.get_coordinates(geometry)[:, 0])

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)

    span_x = max((lon1 - lon0) / 360, 1e-4)
    span_y = max(merc(lat1) - merc(lat0), 1e-4)
    zoom = min(math.log2(0.75 * width / 512 / span_x), math.log2(0.75 * height / 512 / span_y))
    centre_lon = (lon0 + lon1) / 2
    centre_lon = centre_lon - 360 if centre_lon > 180 else centre_lon
    lat_mid = math.degrees(
        2 * math.atan(math.exp((merc(lat0) + merc(lat1)) * math.pi)) - math.pi / 2
    )
    return pdk.ViewState(
        latitude=lat_mid,
        longitude=centre_lon,
        zoom=max(OCEAN_VIEW.min_zoom, min(OCEAN_VIEW.max_zoom, zoom)),
        min_zoom=OCEAN_VIEW.min_zoom,
        max_zoom=OCEAN_VIEW.max_zoom,
    )


def locator_deck(
    fc: Mapping,
    iso3: str,
    names: pd.DataFrame,
    cloud: pd.DataFrame | None,
    landings: pd.DataFrame | None,
    *,
    height: int = 420,
) -> pdk.Deck:
    """One country on the world map with its cloud regions (by provider origin) and cable landing
    points. `names` has iso3 and `name` (the tooltip)."""
    props = names[["iso3", "name"]].assign(
        fill_color=[LOCATOR_COLOR if c == iso3 else OTHER_COLOR for c in names["iso3"]]
    )
    deck = overview_deck(fc, props, "{name}", cloud=cloud, landings=landings, height=height)
    deck.initial_view_state = fit_view(fc, iso3, height=height)
    # zoomed in on a country across the date line (Russia), the world continues past 180°
    deck.views = [pdk.View(type="MapView", controller=True, repeat=True)]
    return deck


# The overview map's views, for a map about 600 x 440 px beside the top list: (latitude,
# longitude, zoom). Asia-Pacific and the Middle East are close enough that Japan, Korea, Taiwan and
# the Gulf states can be told apart and clicked.
MAP_VIEWS: dict[str, tuple[float, float, float]] = {
    "world": (22.0, 12.0, 0.15),
    "asia_pacific": (12.0, 118.0, 1.45),
    "middle_east": (26.0, 47.0, 2.3),
    "europe": (52.0, 14.0, 2.05),
    "americas": (12.0, -80.0, 0.9),
    "africa": (3.0, 18.0, 1.45),
}


# Which view a business-region filter calls for (regions of one area only; anything else: world).
AREA_OF_MARKET: dict[str, str] = {
    "East Asia": "asia_pacific",
    "Southeast Asia": "asia_pacific",
    "South Asia": "asia_pacific",
    "Oceania": "asia_pacific",
    "Middle East": "middle_east",
    "Europe": "europe",
    "Americas": "americas",
    "Africa": "africa",
}


def view_name(choice: str, markets: Collection[str]) -> str:
    """The map view to show: a chosen area, or with "auto" the area of the business regions in
    the filter (the world when they span several areas, or there is no filter)."""
    if choice != "auto":
        return choice if choice in MAP_VIEWS else "world"
    areas = {AREA_OF_MARKET.get(m, "world") for m in markets}
    return areas.pop() if len(areas) == 1 else "world"


def preset_view(name: str) -> pdk.ViewState:
    """One of the overview's map views (the world for an unknown name)."""
    lat, lon, zoom = MAP_VIEWS.get(name, MAP_VIEWS["world"])
    return pdk.ViewState(
        latitude=lat,
        longitude=lon,
        zoom=zoom,
        min_zoom=min(OCEAN_VIEW.min_zoom, MAP_VIEWS["world"][2]),
        max_zoom=OCEAN_VIEW.max_zoom,
    )
