"""AppTest smoke tests: every page runs without exceptions, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))


def _app(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if lang:
        at.query_params["lang"] = lang
    return at


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(page: str, lang: str, datasets_dir: Path, data_dir: Path) -> None:
    at = _app(lang).run()
    if page != "overview.py":
        at.switch_page(f"app_pages/{page}").run()
    assert not at.exception, [e.message for e in at.exception]


def test_overview_shows_every_country_bilingual(datasets_dir: Path, data_dir: Path) -> None:
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "AI 基礎設施市場篩選儀表板"
    at.radio(key="f_elig").set_value("all").run()
    df = at.dataframe[0].value
    assert len(df) >= 195
    assert {"台灣", "南韓", "美國"} <= set(df["name"])
    assert "Taiwan" in set(df["name_other"])
    # region and income group are filters (translated), not table columns
    assert {"亞洲", "歐洲"} <= set(at.multiselect(key="f_region").options)
    assert "高所得" in set(at.multiselect(key="f_income").options)
    deck = at.get("deck_gl_json_chart")[0].proto.json
    # No basemap provider or style, and no external URL of any kind in the deck spec.
    assert "mapProvider" not in deck.replace('"mapProvider": null', "")
    assert "http" not in deck


def test_language_from_url(datasets_dir: Path, data_dir: Path) -> None:
    at = _app("en").run()
    assert at.title[0].value == "AI-infrastructure market screening"
    assert at.query_params["lang"] in ("en", ["en"])
    assert "Japan" in set(at.dataframe[0].value["name"])
