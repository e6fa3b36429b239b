"""The compare page in AppTest: URL state, pillars, indicators with the best marked, reasons."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from risk.framework import load_framework
from risk.present.compare import compare_indicators
from risk.scoring.engine import engine_for
from risk.share import from_query
from risk.store.embedded import open_store
from tests.support import frame_with, open_app, query

ROOT = Path(__file__).resolve().parent.parent


def _frame(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return frame_with(at, column)


def test_compare_from_the_url(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("compare", {"compare": "SAU,ARE,IND", "lang": "en"})
    assert at.multiselect(key="compare_set").value == ["SAU", "ARE", "IND"]
    summary = _frame(at, "interval")
    assert summary.index.tolist() == ["SAU", "ARE", "IND"]  # each row's country
    view, _ = from_query(query(at))
    result = engine_for(open_store()).score(view.spec)
    row = result.table.set_index("iso3").loc["ARE"]
    interval = summary.loc["ARE", "interval"]
    assert interval == f"{int(row['rank_p05'])}–{int(row['rank_p95'])}"
    table = _frame(at, "SAU")
    assert len(table) == len(load_framework().indicators)
    expected = compare_indicators(result, ["SAU", "ARE", "IND"], "en")
    assert table.index.tolist() == expected["code"].tolist()
    assert table.attrs["best"] == [
        b if b in ("SAU", "ARE", "IND") else "" for b in expected["best"]
    ]
    reasons = _frame(at, "difference")
    assert len(reasons) >= 2 and (reasons["difference"].astype(float) >= 0).all()
    bars = [m.value for m in at.markdown if "compare-bars" in m.value]  # the pillars, as bars
    assert len(bars) == 1 and bars[0].count("class='pillar-bar'") == 5 * 3  # 5 bars x 3 countries
    assert query(at)["compare"] == "SAU,ARE,IND"


def test_changing_the_set_updates_the_url(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("compare", {"compare": "SAU,ARE", "lang": "en"})
    at.multiselect(key="compare_set").select("JPN").run()
    assert not at.exception
    assert query(at)["compare"] == "SAU,ARE,JPN"
    assert _frame(at, "interval").index.tolist() == ["SAU", "ARE", "JPN"]
    at.multiselect(key="compare_set").unselect("SAU").unselect("ARE").run()
    assert query(at)["compare"] == "JPN"
    assert any("Choose 2 to 5" in i.value for i in at.info)


def test_bad_codes_and_too_many_are_dropped(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("compare", {"compare": "XXX,SAU,ARE,IND,JPN,DEU,FRA", "lang": "zh-TW"})
    assert at.multiselect(key="compare_set").value == ["SAU", "ARE", "IND", "JPN"]
    assert _frame(at, "interval").index.tolist() == ["SAU", "ARE", "IND", "JPN"]


def test_profile_links_for_each_compared_country(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app("compare", {"compare": "SAU,ARE", "lang": "en"})
    links = [p.proto for p in at.get("page_link")]
    profiles = [p for p in links if p.page == "profile"]
    assert ["country=SAU" in p.query_string for p in profiles] == [True, False]
    assert "country=ARE" in profiles[1].query_string
    assert all("compare=SAU%2CARE" in p.query_string for p in links)
