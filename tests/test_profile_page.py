"""The profile page in AppTest: URL state, every indicator, the interval, imputed flags, links."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from risk.framework import load_framework
from risk.scoring.engine import engine_for
from risk.share import from_query
from risk.store.embedded import open_store
from tests.support import frame_with, html_tables, open_app, query

ROOT = Path(__file__).resolve().parent.parent


def _indicator_table(at: AppTest):  # type: ignore[no-untyped-def]
    return frame_with(at, "percentile")


def test_profile_from_the_url_shows_every_indicator_and_the_interval(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = open_app("profile", {"country": "SAU", "lang": "en"})
    assert "Saudi Arabia" in at.header[0].value and "沙烏地阿拉伯" in at.header[0].value
    table = _indicator_table(at)
    codes = load_framework().indicators["code"].tolist()
    assert sorted(table["code"]) == sorted(codes)
    assert {"value", "unit", "year", "normalised", "percentile", "imputed", "source"} <= set(
        table.columns
    )
    view, _ = from_query(query(at))
    row = engine_for(open_store()).score(view.spec).table.set_index("iso3").loc["SAU"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["90% rank interval"] == f"{int(row['rank_p05'])}–{int(row['rank_p95'])}"
    assert metrics["Index score"] == f"{row['score']:.1f}"
    assert query(at)["country"] == "SAU"
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download one-page brief (PDF)",
        "Download one-page brief (PNG)",
    ]


def test_imputed_data_is_flagged(datasets_dir: Path, data_dir: Path) -> None:
    result = engine_for(open_store()).score(from_query({})[0].spec)
    table = result.table
    code = table[(table["imputed"] > 0) & table["eligible"]]["iso3"].iloc[0]
    n = int(table.set_index("iso3").loc[code, "imputed"])
    at = open_app("profile", {"country": code, "lang": "en"})
    assert any(f"Imputed indicators: {n} " in w.value for w in at.warning)
    flagged = _indicator_table(at)
    assert int((flagged["imputed"] == "✓").sum()) == n


def test_choosing_a_country_updates_the_url_and_keeps_the_weights(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = "zh-TW"
    at.run()
    at.slider(key="w_alignment").set_value(55).run()
    spec_before = query(at)["spec"]
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception
    assert any("請從上方選擇國家" in i.value for i in at.info)
    at.selectbox(key="profile_country").set_value("JPN").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "日本" in at.header[0].value
    q = query(at)
    assert q["country"] == "JPN" and q["spec"] == spec_before
    at.selectbox(key="profile_country").set_value("KOR").run()
    assert query(at)["country"] == "KOR" and "KOR" in at.header[0].value


def test_links_back_and_to_compare_carry_the_view(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("profile", {"country": "IND", "compare": "SAU,ARE", "lang": "en"})
    back, to_compare = (p.proto for p in at.get("page_link"))
    assert back.label.startswith("←") and back.page in ("", "overview")
    assert "country=IND" in back.query_string and "spec=s1." in back.query_string
    assert to_compare.page == "compare"
    assert "compare=SAU%2CARE%2CIND" in to_compare.query_string
    assert "spec=s1." in to_compare.query_string


@pytest.mark.parametrize("code", ["CHN", "TWN"])
def test_ineligible_and_home_profiles(code: str, datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("profile", {"country": code, "lang": "en"})
    assert at.error and "Ineligible" in at.error[0].value


def test_locator_map_of_cloud_regions_and_landings(datasets_dir: Path, data_dir: Path) -> None:
    import json

    at = open_app("profile", {"country": "KOR", "lang": "en"})
    assert not at.get("deck_gl_json_chart")  # drawn when its section is opened
    assert any("cloud regions and cable landing" in e.label for e in at.expander)
    at.session_state["profile_map_open"] = True
    at.run()
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    assert len(decks) == 1
    layers = {layer["id"]: layer for layer in decks[0]["layers"]}
    assert layers["cloud"]["data"] and layers["landings"]["data"]
    # only Korea's own points
    assert all(120 < p["lon"] < 135 for p in layers["cloud"]["data"] + layers["landings"]["data"])
    landlocked = open_app("profile", {"country": "MNG", "lang": "en"})
    assert not any("cloud regions" in e.label for e in landlocked.expander)  # nothing to show


@pytest.mark.parametrize(
    ("code", "lang", "cluster", "agreement", "region"),
    [
        ("ARE", "en", "Stargate UAE Phase 2", "US-UAE AI Acceleration Partnership", "Middle East"),
        ("ARE", "zh-TW", "Stargate UAE Phase 2", "Pax Silica Declaration", "中東"),
        (
            "SAU",
            "en",
            "DataVolt Neom 1.5 GW Phase 2",
            "US-Saudi Strategic AI Partnership",
            "Middle East",
        ),
        (
            "SAU",
            "zh-TW",
            "HUMAIN Saudi Arabia Phase 2",
            "US-Saudi Strategic AI Partnership",
            "中東",
        ),
    ],
)
def test_ai_clusters_and_us_agreements_are_listed(
    code: str,
    lang: str,
    cluster: str,
    agreement: str,
    region: str,
    datasets_dir: Path,
    data_dir: Path,
) -> None:
    at = open_app("profile", {"country": code, "lang": lang})
    clusters = frame_with(at, "h100e")
    assert cluster in set(clusters["name"])
    assert clusters["counted"].iloc[0] == "✓"  # counted first, then biggest first
    assert clusters["link"].str.startswith(("http://", "https://")).all()
    deals = frame_with(at, "agreement")
    assert agreement in set(deals["agreement"])
    assert deals["link"].str.startswith("https://").any()
    kinds = {"en": "Bilateral AI / technology agreement", "zh-TW": "雙邊 AI／科技協議"}[lang]
    assert kinds in set(deals["kind"])
    captions = " ".join(c.value for c in at.caption)
    assert "Epoch AI, 'Data on GPU Clusters'" in captions.replace("\\", "")
    assert region in captions


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "No known large AI cluster"), ("zh-TW", "沒有此國已知的大型 AI 叢集")],
)
def test_a_country_without_clusters_says_so(
    lang: str, words: str, datasets_dir: Path, data_dir: Path
) -> None:
    at = open_app("profile", {"country": "MNG", "lang": lang})
    assert any(words in i.value for i in at.info)
    tables = html_tables(at)
    assert any("percentile" in d.columns for d in tables.values())  # the tables were read
    assert not any("h100e" in d.columns for d in tables.values())


def test_trends_are_drawn_when_their_section_is_opened(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("profile", {"country": "KOR", "lang": "en"})
    assert not at.get("vega_lite_chart")  # no chart library until asked
    assert any(e.label == "Key indicators over time" for e in at.expander)
    at.session_state["profile_trends_open"] = True
    at.run()
    assert at.get("vega_lite_chart")
