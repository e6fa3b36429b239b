"""The Scenarios page in AppTest: URL in, widgets, rank changes, map, allocation, URL out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import frame_with

ROOT = Path(__file__).resolve().parent.parent
SHORT = "JPN,DEU,IND,VNM,SGP,ARE,SAU,GBR"


def open_page(lang: str = "en", **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("app_pages/scenarios.py").run()
    if params:
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def query(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}


def test_link_reproduces_scenarios_and_allocation(datasets_dir: Path, data_dir: Path) -> None:
    at = open_page(sc="diffusion-tiers|d5-in:iso3=VNM", short=SHORT, maxc="30", budget="800")
    assert at.session_state["sc_kinds"] == ["diffusion-tiers", "d5-in"]
    assert at.session_state["sc_d5-in_iso3"] == ["VNM"]
    # Rank changes: newly ineligible countries are counted and the map is drawn offline.
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Newly ineligible"]) >= 1
    deck = at.get("deck_gl_json_chart")[0].proto.json
    assert "http" not in deck
    assert "VNM" in deck and "change_text" in deck
    # The allocation sums to the budget, respects the cap and gives VNM (now D:5) nothing.
    alloc = frame_with(at, "amount")
    assert alloc["amount"].sum() == pytest.approx(800)
    assert alloc["amount"].max() <= 0.3 * 800 + 1e-6
    vnm = alloc[alloc["iso3"].str.contains("VNM")]
    assert vnm["amount"].iloc[0] == 0 and "D:5" in vnm["reason"].iloc[0]
    states = frame_with(at, "state")
    assert len(states) == 4  # today, each scenario, both together
    # The URL keeps everything, so the same link reopens the same view.
    q = query(at)
    assert q["sc"] == "diffusion-tiers|d5-in:iso3=VNM"
    assert q["short"] == SHORT and q["maxc"] == "30" and q["budget"] == "800"
    again = open_page(**{k: v for k, v in q.items() if k != "lang"})
    assert frame_with(again, "amount").equals(alloc)


def test_widgets_write_the_url(datasets_dir: Path, data_dir: Path) -> None:
    at = open_page()
    assert "sc" not in query(at)
    at.multiselect(key="sc_kinds").set_value(["financing-tightens"]).run()
    at.number_input(key="sc_financing-tightens_notches").set_value(3.0).run()
    at.slider(key="al_maxc").set_value(25).run()
    assert not at.exception
    q = query(at)
    assert q["sc"] == "financing-tightens:notches=3"
    assert q["maxc"] == "25"
    assert "spec" in q  # the shared view (weights, methods, date) travels with it


def test_infeasible_limits_show_which_binds(datasets_dir: Path, data_dir: Path) -> None:
    at = open_page(short="JPN,DEU", maxc="30")
    assert any("per-country cap binds" in e.value for e in at.error)
    zh = open_page("zh-TW", short="JPN,DEU", maxc="30")
    assert any("單一國家上限過低" in e.value and "60%" in e.value for e in zh.error)


def test_damaged_link_warns_and_still_runs(datasets_dir: Path, data_dir: Path) -> None:
    at = open_page(sc="tier-caps", maxc="900")
    assert len(at.warning) >= 2
    assert at.session_state["sc_kinds"] == []


def test_chinese_by_default(datasets_dir: Path, data_dir: Path) -> None:
    at = open_page(lang="zh-TW", sc="diffusion-tiers")
    assert at.title[0].value == "情境分析與動態配置"
    assert any(m.label == "新增不合格" for m in at.metric)
    strings = json.loads((ROOT / "risk" / "locales" / "scenarios.json").read_text("utf-8"))
    assert all(set(v) == {"zh-TW", "en"} and all(v.values()) for v in strings.values())


def _why(at: AppTest) -> str:
    """The "why this split" text as the reader sees it (Markdown escapes taken out)."""
    texts = [m.value.replace("\\", "") for m in at.markdown]
    return next(x for x in texts if "40%" in x and ("cap" in x or "上限" in x))


def test_the_split_says_why_and_takes_a_minimum_number_of_markets(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = open_page()
    assert [s.value for s in at.subheader if s.value == "Why this split"]
    why = _why(at)
    assert "At the per-country cap (40%)" in why and "Nothing for" in why
    funded = frame_with(at, "amount")
    assert (funded["amount"] > 0).sum() < 5  # a corner: the best few at the cap
    at.number_input(key="al_minm").set_value(5).run()
    assert not at.exception, [e.message for e in at.exception]
    alloc = frame_with(at, "amount")
    assert (alloc["amount"] > 0).sum() >= 5
    assert alloc.loc[alloc["amount"] > 0, "share"].min() >= 5 - 1e-6
    assert query(at)["minm"] == "5"
    assert "so that at least 5 markets are funded" in _why(at)
    zh = open_page(lang="zh-TW", minm="5")
    assert any(s.value == "為何這樣配置" for s in zh.subheader)
    assert "為達到至少 5 個國家" in _why(zh)
    too_many = open_page(lang="zh-TW", short="JPN,DEU,GBR", minm="5")
    assert any("候選名單中只有 3 個" in e.value for e in too_many.error)
