"""The AI build-out and US AI agreements: profile tables, brief lines and the map layers, from
hand-made frames, plus the bundled data for ARE, SAU and a country Epoch does not list."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.geo import load_geometry
from risk.present.brief import buildout_lines, region_text
from risk.present.maps import (
    BUILDOUT_MAX_PX,
    COUNTRY_LAYER_ID,
    buildout_radius,
    buildout_records,
    outline_rows_json,
    overview_deck,
)
from risk.present.overview import (
    buildout_points,
    layer_legend,
    layer_notes,
    map_properties,
    tooltip_text,
    us_deals_in_force,
)
from risk.present.profile import (
    build_profile,
    buildout_totals,
    cluster_rows,
    cluster_view,
    epoch_citation,
    first_link,
    partnership_rows,
    partnership_view,
    store_tables,
)
from risk.scoring.engine import engine_for
from risk.spec import ScoreSpec
from risk.store.embedded import open_store
from risk.text import safe_link

CLUSTERS = pd.DataFrame(
    {
        "iso3": ["AAA", "AAA", "AAA", "AAA", "BBB"],
        "name": ["small", "big plan", "no size", "old phase", "elsewhere"],
        "status": ["Existing", "Planned", "Existing", "Existing", "Existing"],
        "certainty": ["Confirmed", "Likely", "Confirmed", "Confirmed", "Confirmed"],
        "weight": [1.0, 0.6, 1.0, 1.0, 1.0],
        "h100e": [100.0, 1e6, np.nan, 5e6, 7.0],
        "power_mw": [1.0, 500.0, np.nan, 10.0, 1.0],
        "owner": ["A", "B", "", "C", "D"],
        "first_operational": ["2024-01-01", "", "2020-01-01", "2019-01-01", ""],
        "source_link": ["https://example.org/a", "javascript:alert(1)", "", "Private", ""],
        "counted": [True, True, True, False, True],
    }
)
DEALS = pd.DataFrame(
    {
        "iso3": ["AAA", "AAA", "CCC"],
        "agreement": ["Later <b>Pact</b>", "Early Deal", "Other"],
        "kind": ["declaration", "bilateral_ai", "ai_exports_program"],
        "signed": pd.to_datetime(["2026-01-14", "2025-05-15", "2025-07-01"]),
        "effective_to": pd.array([pd.NA, pd.NA, pd.NA], dtype="Int32"),
        "source_url": ["owner/repo@abc:data.json | https://example.org/p", "", "https://x.org"],
        "source_title": ["Example", "", "X"],
    }
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://epoch.ai/data", "https://epoch.ai/data"),
        ("http://web.archive.org/web/1/x", "http://web.archive.org/web/1/x"),
        ("javascript:alert(1)", None),
        ("Private", None),
        ("owner/repo@abc:data.json", None),
        ("https://", None),
        ("https://a.org/x y", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_safe_link(url: object, expected: str | None) -> None:
    assert safe_link(url) == expected


def test_first_link_skips_what_is_not_a_web_link() -> None:
    assert first_link("owner/repo@abc:data.json | https://example.org/p") == "https://example.org/p"
    assert first_link("") is None


def test_clusters_counted_first_then_biggest() -> None:
    rows = cluster_rows(CLUSTERS, "AAA")
    assert rows["name"].tolist() == ["big plan", "small", "no size", "old phase"]
    assert rows["link"].tolist()[:2] == ["", "https://example.org/a"]  # no javascript: link
    assert rows["counted"].tolist() == [True, True, True, False]
    assert cluster_rows(CLUSTERS, "ZZZ").empty
    assert cluster_rows(None, "AAA").empty


def test_buildout_totals_weight_planned_and_skip_uncounted() -> None:
    totals = buildout_totals(cluster_rows(CLUSTERS, "AAA"))
    assert totals == {"clusters": 3.0, "existing": 100.0, "planned": 600000.0}
    assert buildout_totals(cluster_rows(CLUSTERS, "ZZZ")) == {
        "clusters": 0.0,
        "existing": 0.0,
        "planned": 0.0,
    }


def test_cluster_view_in_each_language() -> None:
    rows = cluster_rows(CLUSTERS, "AAA")
    en, zh = cluster_view(rows, "en"), cluster_view(rows, "zh-TW")
    assert en["status"].tolist()[:2] == ["Planned", "Existing"]
    assert zh["status"].tolist()[:2] == ["規劃中", "既有"]
    assert zh["certainty"].tolist()[0] == "可能"
    assert en["h100e"].tolist() == ["1,000,000", "100", "–", "5,000,000"]
    # a cluster without a web link of its own points at Epoch's database
    assert en["link"].tolist()[0] == "https://epoch.ai/data/gpu-clusters"
    assert "Epoch AI, 'Data on GPU Clusters'" in epoch_citation("en")
    assert "Epoch AI, 'Data on GPU Clusters'" in epoch_citation("zh-TW")


def test_partnerships_dated_by_the_as_of_day() -> None:
    before = partnership_rows(DEALS, "AAA", date(2026, 1, 13))
    assert before["agreement"].tolist() == ["Early Deal", "Later <b>Pact</b>"]
    assert before["signed"].tolist() == ["2025-05-15", "2026-01-14"]
    assert before["in_force"].tolist() == [True, False]
    on = partnership_rows(DEALS, "AAA", date(2026, 1, 14))
    assert on["in_force"].tolist() == [True, True]
    assert on["link"].tolist() == ["", "https://example.org/p"]
    assert partnership_view(on, "zh-TW")["kind"].tolist() == ["雙邊 AI／科技協議", "多邊宣言"]
    assert partnership_view(on, "en")["kind"].tolist()[1] == "Declaration"
    assert partnership_rows(DEALS, "ZZZ", date(2026, 1, 14)).empty


# -- map -----------------------------------------------------------------------------------
def test_radius_grows_with_the_square_root_and_is_capped() -> None:
    assert buildout_radius(0) == 0 and buildout_radius(float("nan")) == 0
    small, big = buildout_radius(1e4), buildout_radius(4e6)
    assert 0 < small < big <= BUILDOUT_MAX_PX
    # a square-root scale: four times the compute, about twice the radius above the minimum
    assert buildout_radius(4e6) - buildout_radius(0.1) == pytest.approx(
        2 * (buildout_radius(1e6) - buildout_radius(0.1)), abs=0.2
    )
    assert buildout_radius(1e12) == BUILDOUT_MAX_PX


def test_buildout_records_are_rounded_and_skip_zeros() -> None:
    points = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB"],
            "lon": [54.123456, 10.0],
            "lat": [23.987654, 50.0],
            "existing": [1749.0, 0.0],
            "planned": [13_732_606.87, 5e5],
        }
    )
    planned, existing = buildout_records(points)
    assert existing == [{"p": [54.12, 23.99], "r": buildout_radius(1749.0)}]
    assert [p["p"] for p in planned] == [[54.12, 23.99], [10.0, 50.0]]


def test_buildout_points_from_the_indicators() -> None:
    obs = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "AAA", "BBB", "CCC"],
            "indicator": ["epoch.h100e_existing", "epoch.h100e_planned"] * 2
            + ["epoch.h100e_existing"],
            "year": [2025, 2025, 2030, 2025, 2025],
            "value": [10.0, 20.0, 99.0, 0.0, 5.0],
        }
    )
    countries = pd.DataFrame(
        {"iso3": ["AAA", "BBB", "CCC"], "lon": [1.0, 2.0, None], "lat": [3.0, 4.0, None]}
    )
    points = buildout_points(obs, countries, 2026)
    # the 2030 value is after the view's year; BBB has none; CCC has no label point
    assert points.to_dict("records") == [
        {"iso3": "AAA", "lon": 1.0, "lat": 3.0, "existing": 10.0, "planned": 20.0}
    ]


@pytest.fixture(scope="module")
def world(datasets_dir: Path) -> dict:
    return load_geometry(datasets_dir / "countries.geojson")


def test_overview_deck_layers_stay_unpickable_and_small(world: dict) -> None:
    props = pd.DataFrame({"iso3": ["ARE"], "fill_color": [[1, 2, 3, 255]], "notes": ["\nx"]})
    points = pd.DataFrame(
        {"iso3": ["ARE"], "lon": [54.3], "lat": [23.9], "existing": [1749.0], "planned": [1.4e7]}
    )
    off = json.loads(overview_deck(world, props, "{notes}").to_json())
    assert [layer["id"] for layer in off["layers"]] == [COUNTRY_LAYER_ID]
    deck = json.loads(
        overview_deck(world, props, "{notes}", buildout=points, us_deals={"ARE", "SAU"}).to_json()
    )
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert set(layers) == {COUNTRY_LAYER_ID, "us_deals", "buildout_existing", "buildout_planned"}
    assert [i for i, layer in layers.items() if layer.get("pickable")] == [COUNTRY_LAYER_ID]
    assert layers["buildout_planned"]["data"] == [{"p": [54.3, 23.9], "r": buildout_radius(1.4e7)}]
    assert layers["buildout_existing"]["radiusUnits"] == "pixels"
    assert layers["us_deals"]["widthUnits"] == "pixels"
    outlines = layers["us_deals"]["data"]
    assert outlines and all("iso3" not in row for row in outlines)
    coords = [x for row in outlines for pt in (row["s"], row["t"]) for x in pt]
    assert all(round(x, 1) == x for x in coords)  # on the coarse grid


def test_outlines_only_of_the_given_countries(world: dict) -> None:
    import shapely
    from shapely.geometry import LineString, Point

    rows = json.loads(outline_rows_json(world, {"SAU"}))
    assert rows
    rings = shapely.polygonize([LineString([r["s"], r["t"]]) for r in rows])
    shapes = list(shapely.get_parts(rings))
    assert any(s.contains(Point(45.0, 24.0)) for s in shapes)  # Riyadh's region
    assert not any(s.contains(Point(2.3, 46.0)) for s in shapes)  # not France
    assert json.loads(outline_rows_json(world, set())) == []


def test_tooltip_lines_name_the_agreements_as_plain_text() -> None:
    countries = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC"],
            "name_en": ["A", "B", "C"],
            "name_zh_tw": ["甲", "乙", "丙"],
        }
    )
    deals = us_deals_in_force(DEALS, date(2026, 1, 14))
    assert deals["iso3"].tolist() == ["AAA", "AAA", "CCC"]
    points = pd.DataFrame(
        {"iso3": ["AAA"], "lon": [0.0], "lat": [0.0], "existing": [1749.0], "planned": [1.37e7]}
    )
    assert layer_notes({"arcs"}, countries, None, deals, "en") is None
    notes = layer_notes({"buildout", "us_deals"}, countries, points, deals, "en")
    assert notes is not None
    assert notes["AAA"] == (
        "\nAI compute (H100-equivalents): 1,749 existing; 13.7 million planned"
        "\nUS AI agreements: Early Deal (2025-05-15); Later <b>Pact</b> (2026-01-14)"
    )
    assert notes["BBB"] == ""
    zh = layer_notes({"buildout"}, countries, points, deals, "zh-TW")
    assert zh is not None and zh["AAA"] == "\nAI 算力（H100 等效）：既有 1,749；規劃中 1,370萬"
    scores = pd.DataFrame(
        {
            "iso3": ["AAA"],
            "score": [50.0],
            "eligible": [True],
            "reason": [""],
            "rank": [1.0],
            "rank_p05": [1.0],
            "rank_p95": [2.0],
            "coverage": [1.0],
        }
    )
    props, _, _ = map_properties(scores, countries, "score", {"AAA"}, "en", notes)
    assert props.set_index("iso3").loc["AAA", "notes"] == notes["AAA"]
    plain, _, _ = map_properties(scores, countries, "score", {"AAA"}, "en")
    assert "notes" not in plain.columns  # nothing extra sent when no layer adds lines
    assert tooltip_text("score", "en", notes=True).endswith("{status}{notes}")
    assert "{notes}" not in tooltip_text("score", "en")


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_legend_entries_in_each_language(lang: str) -> None:
    labels = [label for label, _ in layer_legend({"buildout", "us_deals"}, lang)]
    assert len(labels) == 3 and all(not label.startswith("overview.") for label in labels)
    assert layer_legend({"arcs"}, lang) == []


# -- the bundled data ----------------------------------------------------------------------
SPEC = ScoreSpec.from_preset("balanced", as_of="2026-01-01", mc_draws=20)


@pytest.fixture(scope="module")
def scored(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("buildout-data")))
    store = open_store()
    yield engine_for(store, store.data_version).score(SPEC), store_tables(store)
    mp.undo()


def test_profiles_of_are_sau_and_a_country_without_clusters(scored) -> None:  # type: ignore[no-untyped-def]
    result, tables = scored
    are = build_profile(result, tables, "ARE", "en")
    assert are.business_region == "Middle East"
    assert "Stargate UAE Phase 2" in set(are.clusters["name"])
    assert (
        are.clusters["counted"].iloc[0] and are.clusters["h100e"].dropna().is_monotonic_decreasing
    )
    deals = are.partnerships.set_index("agreement")
    # as of 2026-01-01 the Pax Silica Declaration (signed by the UAE on 2026-01-14) is not in force
    assert bool(deals.loc["US-UAE AI Acceleration Partnership", "in_force"])
    assert not bool(deals.loc["Pax Silica Declaration", "in_force"])
    sau = build_profile(result, tables, "SAU", "zh-TW")
    assert len(sau.clusters) > 5 and "US-Saudi Strategic AI Partnership" in set(
        sau.partnerships["agreement"]
    )
    mng = build_profile(result, tables, "MNG", "en")
    assert mng.clusters.empty and mng.partnerships.empty
    assert buildout_lines(mng, "en") == [
        "AI build-out: no known large AI cluster (Epoch AI)",
        "US AI agreements: none",
    ]
    lines = buildout_lines(are, "zh-TW")
    assert lines[0].startswith("AI 算力建置：10 個叢集")
    assert lines[1] == "美國 AI 協議：US-UAE AI Acceleration Partnership (2025-05-15)"
    assert region_text(are, "en") == "Asia (Middle East)"
    assert region_text(are, "zh-TW") == "亞洲（中東）"
