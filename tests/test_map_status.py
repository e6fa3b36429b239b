"""Countries that are not ranked, on the map: export-controlled, too-little-data and no-data
countries told apart by outline as well as fill, on the app's map, in its legend (both languages)
and in the board pack's map image."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from risk.geo import load_geometry
from risk.present.mapimage import choropleth_png, region_bounds
from risk.present.maps import NO_DATA_COLOR, overview_deck
from risk.present.overview import (
    GATED_OUTLINE,
    INELIGIBLE_COLOR,
    LOW_COVERAGE_COLOR,
    LOW_COVERAGE_OUTLINE,
    PALETTE,
    PARTNER_COLOR,
    legend,
    legend_html,
    map_properties,
    status_outlines,
)

# -- the map's statuses, from a hand-made scores table ------------------------------------------

COUNTRIES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "USA", "LLL", "TWN", "NNN"],
        "name_zh_tw": ["甲", "乙", "丙", "美國", "丁", "臺灣", "戊"],
        "name_en": ["A", "B", "C", "United States", "L", "Taiwan", "N"],
    }
)
SCORES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "USA", "LLL", "TWN"],
        "score": [70.0, 60.0, 50.0, 80.0, 40.0, 65.0],
        "rank": [1.0, np.nan, np.nan, np.nan, np.nan, np.nan],
        "eligible": [True, False, False, False, True, False],
        "reason": [
            "",
            "EAR D:5",
            "country of concern; EAR D:5",
            "programme exporter",
            "low coverage",  # eligible, but left out for too little data
            "home",
        ],
        "coverage": [1.0, 0.9, 1.0, 1.0, 0.27, 0.7],
    }
)


def test_each_status_has_its_fill_and_only_gated_and_low_data_an_outline() -> None:
    props, lo, hi = map_properties(SCORES, COUNTRIES, "score", {"AAA"}, "en")
    fill = {r.iso3: list(r.fill_color) for r in props.itertuples()}
    assert fill["AAA"] in PALETTE
    assert fill["BBB"] == fill["CCC"] == INELIGIBLE_COLOR
    assert fill["USA"] == PARTNER_COLOR
    assert fill["LLL"] == LOW_COVERAGE_COLOR  # not a score colour, though it is "eligible"
    assert fill["NNN"] == NO_DATA_COLOR
    assert (lo, hi) == (70.0, 70.0)  # the colour range spans ranked countries only
    outlines = status_outlines(SCORES)
    assert outlines == {
        "gated": (["BBB", "CCC"], *GATED_OUTLINE),
        "low_coverage": (["LLL"], *LOW_COVERAGE_OUTLINE),
    }
    # told apart by more than a shade of grey: a thick coloured border against a thin grey one
    (gated_rgb, gated_px), low_px = GATED_OUTLINE, LOW_COVERAGE_OUTLINE[1]
    assert gated_px >= 2 * low_px and gated_rgb[0] > 2 * max(gated_rgb[1:3])
    assert len({tuple(INELIGIBLE_COLOR), tuple(LOW_COVERAGE_COLOR), tuple(NO_DATA_COLOR)}) == 3


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_legend_swatches_carry_the_map_outlines(lang: str) -> None:
    items = {s.label: s for s in legend("score", 0, 100, lang)}
    gated = items[
        "受出口管制或關切國家（不列入排名）"
        if lang == "zh-TW"
        else "Export-controlled or of concern (not ranked)"
    ]
    assert (gated.color, (gated.outline, gated.outline_px)) == (INELIGIBLE_COLOR, GATED_OUTLINE)
    low = items["資料不足（未排名）" if lang == "zh-TW" else "Too little data (not ranked)"]
    assert (low.outline, low.outline_px) == LOW_COVERAGE_OUTLINE
    no_data = items["無資料" if lang == "zh-TW" else "No data"]
    assert no_data.outline is None
    html_text = legend_html("Score", list(items.values()), lang)
    assert "border:2px solid rgb(165,15,21)" in html_text
    assert "border:1px solid rgb(82,82,82)" in html_text
    # the plain (label, colour) pairs of the layer legends still work
    assert "rgba(1,2,3,1.00)" in legend_html("x", [("a", [1, 2, 3, 255])])


@pytest.fixture(scope="module")
def world(datasets_dir: Path) -> dict:
    return load_geometry(datasets_dir / "countries.geojson")


def test_map_draws_one_unpickable_outline_layer_per_status(world: dict) -> None:
    scores = SCORES.assign(iso3=["FRA", "RUS", "CHN", "USA", "VAT", "TWN"])
    props = pd.DataFrame({"iso3": ["FRA"], "fill_color": [[1, 2, 3, 255]]})
    deck = json.loads(
        overview_deck(world, props, "{iso3}", outlines=status_outlines(scores)).to_json()
    )
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert [i for i, layer in layers.items() if layer.get("pickable")] == ["countries"]
    gated = layers["outline_gated"]
    assert gated["@@type"] == "LineLayer"  # segments only: nothing filled, nothing to tessellate
    assert gated["getColor"] == GATED_OUTLINE[0] and gated["getWidth"] == GATED_OUTLINE[1]
    assert gated["widthUnits"] == "pixels"
    segments = [(tuple(row["s"]), tuple(row["t"])) for row in gated["data"]]
    assert len(segments) > 100 and all(a != b for a, b in segments)  # Russia's and China's borders
    # closed rings: every point a segment leaves from is a point another one reaches
    assert Counter(a for a, _ in segments) == Counter(b for _, b in segments)
    assert layers["outline_low_coverage"]["getWidth"] == LOW_COVERAGE_OUTLINE[1]
    plain = json.loads(overview_deck(world, props, "{iso3}").to_json())
    assert [layer["id"] for layer in plain["layers"]] == ["countries"]


def test_board_pack_image_outlines_gated_countries(world: dict) -> None:
    grey = INELIGIBLE_COLOR
    bounds = region_bounds(world, {"IRN"})
    plain = choropleth_png(world, {"IRN": grey}, bounds=bounds)
    marked = choropleth_png(world, {"IRN": grey}, bounds=bounds, outlines={"IRN": GATED_OUTLINE})

    def reds(png: bytes) -> int:
        px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        r, g, b = px[..., 0], px[..., 1], px[..., 2]
        return int(((r > 120) & (g < 60) & (b < 60)).sum())

    assert reds(plain) == 0
    assert reds(marked) > 200  # Iran's border, drawn in the app map's dark red
