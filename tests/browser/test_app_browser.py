"""Journeys in a real browser: the map draws, Chinese names show, nothing leaves 127.0.0.1."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from tests.browser.conftest import READY, ROOT, external, wait_ready

SHOTS = ROOT / "test-results"
FOLLOW_EN = "By filter"  # the map view that follows the region filter
SHOTS.mkdir(exist_ok=True)

pytestmark = pytest.mark.browser


def _canvas_pixels(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(coloured pixels, all pixels) of the deck.gl canvas, from a screenshot of it."""
    canvas = page.locator("iframe, [data-testid=stDeckGlJsonChart]").first
    canvas.wait_for(timeout=90_000)
    png = canvas.screenshot()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(img.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)
    return coloured, len(pixels)


def test_map_and_chinese_names(page, app_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(app_server + "/")
    wait_ready(page, "AI 基礎設施")
    # The map draws polygons: a good share of the canvas is coloured (regions), not blank.
    deadline = time.monotonic() + 20
    coloured, total = 0, 1
    while time.monotonic() < deadline:
        coloured, total = _canvas_pixels(page)
        if coloured / total > 0.05:
            break
        page.wait_for_timeout(500)
    # (the first-paint timing is measured precisely in test_overview_browser)
    print(f"map drawn, coloured share {coloured / total:.2f}")
    assert coloured / total > 0.05, "map canvas is blank"
    # Chinese names are in the table (st.dataframe keeps hidden td cells for accessibility).
    body = page.content()
    assert (
        "英國" in body and "United Kingdom" in body
    )  # the top of the ranked table, in both languages
    # Search by Chinese name narrows the table to that country.
    page.get_by_label("搜尋").fill("南韓")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.innerHTML.includes('South Korea')", timeout=90_000)
    page.wait_for_selector(READY)
    assert "南韓" in page.content()
    page.screenshot(path=str(SHOTS / "overview_zh.png"))
    assert external(requests_seen) == []


def test_language_switch_in_url(page, app_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_server + "/?lang=en")
    wait_ready(page, "AI-infrastructure market screening")
    assert "lang=en" in page.url
    page.get_by_text("繁體中文").first.click()
    wait_ready(page, "AI 基礎設施市場篩選儀表板")
    assert "lang=zh-TW" in page.url
    assert external(requests_seen) == []


def test_switching_language_back_and_forth_relabels_choices(page, app_server: str) -> None:  # type: ignore[no-untyped-def]
    """Choice widgets show their options in the new language, and switching back works too."""
    page.set_viewport_size({"width": 1400, "height": 1200})
    page.goto(app_server + "/")
    wait_ready(page, "AI 基礎設施市場篩選儀表板")
    sidebar = page.locator("[data-testid=stSidebar]")
    for language, title, preset, mapview, metric in [
        ("English", "AI-infrastructure market screening", "Balanced", FOLLOW_EN, "Index score"),
        ("繁體中文", "AI 基礎設施市場篩選儀表板", "均衡", "依區域篩選", "綜合分數"),
        ("English", "AI-infrastructure market screening", "Balanced", FOLLOW_EN, "Index score"),
    ]:
        sidebar.get_by_text(language, exact=True).first.click()
        wait_ready(page, title)
        page.wait_for_timeout(300)
        page.wait_for_selector(READY, timeout=90_000)
        assert page.locator("[data-testid=stException]").count() == 0
        shown = sidebar.locator("[data-testid=stSelectbox] input").first.input_value()
        assert shown == preset  # the preset, in the sidebar
        main = page.locator("[data-testid=stMain] [data-testid=stSelectbox] input")
        assert main.nth(0).input_value() == mapview  # the map view
        assert main.nth(1).input_value() == metric  # the map colouring
