"""The overview map's views: areas in the URL, the view following the business-region filter,
arcs off by default and thin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from risk.present.maps import MAP_VIEWS, preset_view, view_name
from risk.share import MAP_VIEW_NAMES, ViewState, from_query, to_query
from tests.support import open_app, query


@pytest.mark.parametrize(
    ("choice", "markets", "expected"),
    [
        ("auto", (), "world"),
        ("auto", ("Middle East",), "middle_east"),
        ("auto", ("East Asia", "Southeast Asia"), "asia_pacific"),
        ("auto", ("East Asia", "Europe"), "world"),
        ("europe", ("Middle East",), "europe"),  # a chosen area wins over the filter
        ("nowhere", (), "world"),
    ],
)
def test_view_follows_the_region_filter_unless_chosen(
    choice: str, markets: tuple[str, ...], expected: str
) -> None:
    assert view_name(choice, markets) == expected


def test_every_view_name_has_a_view_and_round_trips() -> None:
    assert set(MAP_VIEW_NAMES) - {"auto"} == set(MAP_VIEWS)
    for name in MAP_VIEW_NAMES:
        view, warnings = from_query(to_query(ViewState(map_view=name)))
        assert view.map_view == name and warnings == []
    assert "mapview" not in to_query(ViewState())
    view, warnings = from_query({"mapview": "<script>"})
    assert view.map_view == "auto" and warnings == ["mapview: ignored <script>"]
    lat, lon, zoom = MAP_VIEWS["middle_east"]
    assert (
        preset_view("middle_east").latitude == lat
        and preset_view("x").zoom == MAP_VIEWS["world"][2]
    )


def test_arcs_are_off_by_default_and_old_links_keep_theirs() -> None:
    assert ViewState().layers == ()
    assert from_query({})[0].layers == ()
    assert from_query({"layers": "arcs"})[0].layers == ("arcs",)
    assert to_query(ViewState(layers=("arcs",)))["layers"] == "arcs"


def _deck(at) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def test_overview_map_view_in_the_url_and_following_the_filter(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = open_app(params={"lang": "en"})
    deck = _deck(at)
    ids = [layer["id"] for layer in deck["layers"]]
    # the countries and the outlines that mark their status; no arcs or other layer by default
    assert ids[0] == "countries" and set(ids[1:]) <= {"outline_gated", "outline_low_coverage"}, ids
    assert deck["initialViewState"]["zoom"] == MAP_VIEWS["world"][2]
    at.multiselect(key="f_market").set_value(["Middle East"]).run()
    lat, lon, _ = MAP_VIEWS["middle_east"]
    view = _deck(at)["initialViewState"]
    assert (view["latitude"], view["longitude"]) == (lat, lon)
    at.selectbox(key="mapview").set_value("asia_pacific").run()
    assert query(at)["mapview"] == "asia_pacific"
    view = _deck(at)["initialViewState"]
    assert (view["latitude"], view["longitude"]) == MAP_VIEWS["asia_pacific"][:2]
    at.multiselect(key="layers").set_value(["arcs"]).run()
    arcs = next(layer for layer in _deck(at)["layers"] if layer["id"] == "arcs")
    assert arcs["getWidth"] == 1 and arcs["widthMaxPixels"] <= 1.5
