"""The country map's shapes: one pickable layer whose inset polygons leave the borders as gaps."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from risk.geo import load_geometry
from risk.present.maps import (
    COUNTRY_LAYER_ID,
    INSET,
    LOCATOR_COLOR,
    MIN_PART,
    OCEAN_VIEW,
    OTHER_COLOR,
    TIP_CLASS,
    country_deck,
    fit_view,
    locator_deck,
    lon_extent,
    overview_deck,
    polygon_rows_json,
    serve_outlines,
    serve_shapes,
    shapes_file_json,
    split_tooltip,
)


@pytest.fixture(scope="module")
def world(datasets_dir: Path) -> dict:
    return load_geometry(datasets_dir / "countries.geojson")


@pytest.fixture(scope="module")
def drawn(world: dict) -> dict[str, shapely.Geometry]:
    """Each country as drawn: the union of its rows' polygons."""
    rows = json.loads(polygon_rows_json(world, pd.DataFrame(columns=["iso3", "fill_color"])))
    parts: dict[str, list] = defaultdict(list)
    for row in rows:
        rings = row["polygon"]
        parts[row["iso3"]].append(shapely.Polygon(rings[0], rings[1:]))
    # rounding can leave a ring touching itself; the browser draws it anyway
    return {iso3: shapely.union_all(shapely.make_valid(p)) for iso3, p in parts.items()}


def test_every_country_is_drawn(world: dict, drawn: dict) -> None:
    assert set(drawn) == {f["properties"]["iso3"] for f in world["features"]}
    assert all(g.area > 0 for g in drawn.values())


def test_neighbours_are_separated_by_a_gap(drawn: dict) -> None:
    for a, b in [("FRA", "DEU"), ("USA", "CAN"), ("CHN", "IND"), ("BRA", "ARG")]:
        assert drawn[a].distance(drawn[b]) >= INSET  # both sides are inset
        assert drawn[a].distance(drawn[b]) < 4 * INSET  # ... but only just


def test_drawn_shapes_stay_inside_the_country(world: dict, drawn: dict) -> None:
    for feature in world["features"]:
        true = shape(feature["geometry"]).buffer(0.011)  # coordinates are rounded to 0.01 degrees
        iso3 = feature["properties"]["iso3"]
        assert true.contains(drawn[iso3]), iso3


def test_small_states_keep_their_shape(world: dict, drawn: dict) -> None:
    for iso3 in ("SGP", "BHR", "MLT", "MDV", "TUV"):
        feature = next(f for f in world["features"] if f["properties"]["iso3"] == iso3)
        true = shape(feature["geometry"])
        assert iso3 in drawn
        assert drawn[iso3].area >= 0.6 * true.area, iso3


def test_islets_of_large_countries_are_left_off(world: dict) -> None:
    rows = json.loads(polygon_rows_json(world, pd.DataFrame(columns=["iso3", "fill_color"])))
    by_country: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        rings = row["polygon"]
        by_country[row["iso3"]].append(shapely.Polygon(rings[0], rings[1:]).area)
    assert min(by_country["CAN"]) >= MIN_PART * 0.9  # rounding can shave a little
    feature = next(f for f in world["features"] if f["properties"]["iso3"] == "CAN")
    islets = [g for g in shapely.get_parts(shape(feature["geometry"])) if g.area < MIN_PART]
    assert islets  # there were some to leave off


def test_one_pickable_layer_and_text_tooltips(world: dict) -> None:
    props = pd.DataFrame({"iso3": ["FRA"], "fill_color": [[1, 2, 3, 255]], "name": ["<b>x</b>"]})
    built = country_deck(world, props, "{name}")
    deck = json.loads(built.to_json())
    assert [layer["id"] for layer in deck["layers"]] == [COUNTRY_LAYER_ID]
    layer = deck["layers"][0]
    assert layer["@@type"] == "SolidPolygonLayer" and layer["pickable"] is True
    assert set(built._tooltip) == {"text", "style"}  # text mode: values are never markup
    france = [row for row in layer["data"] if row["iso3"] == "FRA"]
    assert france and all(row["name"] == "<b>x</b>" for row in france)
    assert all(
        row["fill_color"] == [215, 215, 215, 255] for row in layer["data"] if "name" not in row
    )


@pytest.mark.parametrize(
    ("iso3", "lon", "lat", "zoom"),
    [
        ("SGP", 103.8, 1.3, OCEAN_VIEW.max_zoom),  # small: the closest zoom
        ("BRA", -54.0, -15.0, None),
        ("RUS", 105.0, 65.0, None),  # across the date line: centred on Siberia, not Greenwich
        ("FJI", 178.0, -17.0, OCEAN_VIEW.max_zoom),
    ],
)
def test_fit_view_centres_the_country(world: dict, iso3: str, lon: float, lat: float, zoom) -> None:  # type: ignore[no-untyped-def]
    view = fit_view(world, iso3)
    assert abs(view.longitude - lon) < 6 and abs(view.latitude - lat) < 8
    assert OCEAN_VIEW.min_zoom <= view.zoom <= OCEAN_VIEW.max_zoom
    if zoom is not None:
        assert view.zoom == zoom


def test_locator_deck_shows_one_country_and_its_points(world: dict) -> None:
    names = pd.DataFrame({"iso3": ["KOR", "JPN"], "name": ["南韓", "日本"]})
    cloud = pd.DataFrame(
        {"lon": [126.9], "lat": [37.5], "provider_origin": ["US"], "iso3": ["KOR"]}
    )
    landings = pd.DataFrame({"lon": [129.0], "lat": [35.1], "iso3": ["KOR"]})
    deck = json.loads(locator_deck(world, "KOR", names, cloud, landings).to_json())
    ids = [layer["id"] for layer in deck["layers"]]
    assert ids[0] == COUNTRY_LAYER_ID and {"cloud", "landings"} <= set(ids)
    rows = deck["layers"][0]["data"]
    korea = {tuple(r["fill_color"]) for r in rows if r["iso3"] == "KOR"}
    japan = {tuple(r["fill_color"]) for r in rows if r["iso3"] == "JPN"}
    assert korea == {tuple(LOCATOR_COLOR)} and japan == {tuple(OTHER_COLOR)}
    assert abs(deck["initialViewState"]["longitude"] - 127.8) < 3


@pytest.mark.parametrize(
    ("lons", "extent"),
    [
        ([10.0, 20.0, 15.0], (10.0, 20.0)),
        ([170.0, 179.9, -179.9, -170.0], (170.0, 190.0)),  # across the date line
        ([20.0, 180.0, -180.0, -169.0], (20.0, 191.0)),  # Russia: Europe to Chukotka
    ],
)
def test_lon_extent(lons: list[float], extent: tuple[float, float]) -> None:
    assert lon_extent(np.array(lons)) == pytest.approx(extent)


def test_no_gap_along_the_date_line(drawn: dict) -> None:
    """Russia and Fiji are cut by the date line, not bordered by it: their parts reach it."""
    for iso3 in ("RUS", "FJI"):
        west, _, east, _ = drawn[iso3].bounds
        assert west <= -179.99 and east >= 179.99, iso3


def test_fit_view_for_a_place_without_a_shape(world: dict) -> None:
    assert fit_view(world, "XXX") == OCEAN_VIEW


# -- the shapes as a static file ----------------------------------------------------------------


def test_static_shapes_file_holds_the_same_parts_with_names(world: dict) -> None:
    names = pd.DataFrame({"iso3": ["FRA"], "name_en": ["France"], "name_zh_tw": ["法國"]})
    inline = json.loads(polygon_rows_json(world, pd.DataFrame(columns=["iso3", "fill_color"])))
    static = json.loads(shapes_file_json(world, names))
    assert [r["polygon"] for r in static] == [r["polygon"] for r in inline]
    assert [r["properties"]["iso3"] for r in static] == [r["iso3"] for r in inline]
    france = [r["properties"] for r in static if r["properties"]["iso3"] == "FRA"]
    assert france and all(
        p == {"iso3": "FRA", "name_en": "France", "name_zh_tw": "法國"} for p in france
    )
    assert all(set(r) == {"properties", "polygon"} for r in static)


def test_served_deck_sends_colours_and_tooltip_lines_not_shapes(world: dict) -> None:
    hostile = '<img src=x onerror=alert(1)>"}'
    props = pd.DataFrame(
        {
            "iso3": ["FRA", "DEU"],
            "fill_color": [[1, 2, 3, 255], [4, 5, 6, 70]],
            "status": [hostile, "ok"],
            "rank_text": ["1", "–"],
        }
    )
    template = "{name_en} <{name_zh_tw}> ({iso3})\nRank: {rank_text}\n{status}"
    deck = country_deck(world, props, template)
    sheet = serve_shapes(deck, "app/static/map/countries-x.json")
    spec = json.loads(deck.to_json())
    layer = spec["layers"][0]
    assert layer["id"] == COUNTRY_LAYER_ID and layer["pickable"] is True
    assert layer["data"] == "app/static/map/countries-x.json"
    fill = layer["getFillColor"]
    assert fill["@@function"] == "colorCategories" and fill["attr"] == "iso3"
    assert dict(zip(fill["domain"], map(tuple, fill["colors"]), strict=True)) == {
        "FRA": (1, 2, 3, 255),
        "DEU": (4, 5, 6, 70),
    }
    assert fill["othersColor"] == [215, 215, 215, 255]
    assert layer["updateTriggers"]["getFillColor"]
    assert len(deck.to_json()) < 5000  # no shapes inside
    # the first line from the file's fields (escaped by the browser), the rest from the sheet
    assert set(deck._tooltip) == {"html", "style"}
    assert deck._tooltip["html"] == (
        "{name_en} &lt;{name_zh_tw}&gt; ({iso3})"
        f'<div class="{TIP_CLASS}" data-tip="{{iso3}}"></div>'
    )
    assert sheet.startswith("<style>") and sheet.endswith("</style>")
    inner = sheet[len("<style>") : -len("</style>")]
    assert "<" not in inner and ">" not in inner  # the data cannot end the style element
    assert '[data-tip="DEU"]::after{content:"Rank: –\\00000aok"}' in inner
    assert "onerror=alert(1)" in inner and "\\00003cimg" in inner


def test_a_deck_not_served_keeps_its_shapes(world: dict) -> None:
    props = pd.DataFrame({"iso3": ["FRA"], "fill_color": [[1, 2, 3, 255]]})
    deck = country_deck(world, props, "{iso3}")
    assert serve_shapes(deck, "x.json") == ""  # every tooltip field is in the file
    assert serve_shapes(deck, "y.json") == ""  # a second call changes nothing
    assert json.loads(deck.to_json())["layers"][0]["data"] == "x.json"
    inline = json.loads(country_deck(world, props, "{iso3}").to_json())
    assert isinstance(inline["layers"][0]["data"], list)


def test_tooltip_split_at_the_first_line_the_file_cannot_fill() -> None:
    assert split_tooltip("{name_en} ({iso3})\nA: {x}\n{y}") == ("{name_en} ({iso3})", "A: {x}\n{y}")
    assert split_tooltip("{name} ({iso3})") == ("", "{name} ({iso3})")
    assert split_tooltip("{iso3}") == ("{iso3}", "")


def test_outline_segments_move_to_a_file_the_browser_keeps(world: dict) -> None:
    props = pd.DataFrame({"iso3": ["FRA"], "fill_color": [[1, 2, 3, 255]]})
    outlines = {"gated": (["RUS", "IRN"], [165, 15, 21, 255], 2.0)}
    inline = json.loads(overview_deck(world, props, "{iso3}", outlines=outlines).to_json())
    segments = {layer["id"]: layer["data"] for layer in inline["layers"]}["outline_gated"]
    published: dict[str, str] = {}

    def publish(layer_id: str, text: str) -> str:
        published[layer_id] = text
        return f"app/static/map/{layer_id}.json"

    deck = overview_deck(world, props, "{iso3}", outlines=outlines)
    serve_outlines(deck, publish)
    layers = {layer["id"]: layer for layer in json.loads(deck.to_json())["layers"]}
    assert layers["outline_gated"]["data"] == "app/static/map/outline_gated.json"
    assert json.loads(published["outline_gated"]) == segments  # the same segments, in the file
    assert set(published) == {"outline_gated"}  # the countries are not outlines
    kept = overview_deck(world, props, "{iso3}", outlines=outlines)
    serve_outlines(kept, lambda layer_id, text: None)  # no static folder: the deck keeps them
    assert json.loads(kept.to_json())["layers"][1]["data"] == segments


def test_static_files_are_named_by_content_and_unused_ones_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    from ui import cache

    monkeypatch.setattr(cache, "STATIC_DIR", tmp_path)
    monkeypatch.setattr(cache.st, "get_option", lambda name: True)
    first = cache.static_json_url("outline-x", "[1]")
    assert first is not None and first.startswith("app/static/map/outline-x-")
    assert cache.static_json_url("outline-x", "[1]") == first  # same content, same file
    old = tmp_path / "map" / first.rsplit("/", 1)[1]
    ancient = time.time() - cache.STATIC_KEEP_S - 60
    os.utime(old, (ancient, ancient))
    second = cache.static_json_url("outline-x", "[2]")
    assert second != first and not old.exists()  # a file unused for a week is removed
    assert json.loads((tmp_path / "map" / second.rsplit("/", 1)[1]).read_text()) == [2]
    # a file in use is dated afresh (never pruned), and written again if it was removed meanwhile
    kept = tmp_path / "map" / second.rsplit("/", 1)[1]
    os.utime(kept, (ancient, ancient))
    assert cache.static_json_url("outline-x", "[2]") == second
    assert time.time() - kept.stat().st_mtime < 60
    kept.unlink()
    assert cache.static_json_url("outline-x", "[2]") == second and kept.exists()
    assert not list((tmp_path / "map").glob("*.part"))  # no half-written file left
    monkeypatch.setattr(cache.st, "get_option", lambda name: False)
    assert cache.static_json_url("outline-x", "[3]") is None  # not served: the deck keeps it
