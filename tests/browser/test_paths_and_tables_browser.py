"""In a real browser at 1440 x 900: an unknown address opens the app with a message in the user's
language (not Streamlit's English "Page not found" dialog); the comparison, the overview's full
ranking and the Data page's validation report fit without a sideways scrollbar; and the country
picker finds a country by a Chinese name other than the one it shows first."""

from __future__ import annotations

import pytest

from tests.browser.conftest import READY, ROOT, external, wait_ready

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1440, 900
UPLOAD = ROOT / "tests" / "fixtures" / "upload" / "big5_with_error.csv"
# the interactive tables' scrolling area, and the boxes of the tables drawn as HTML (.rt-box)
TABLES = "[data-testid=stDataFrame], .rt-box"
SCROLLERS = """() => [...document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller, .rt-box')]
    .map(s => [s.scrollWidth, s.clientWidth])"""


@pytest.mark.parametrize(
    ("query", "message", "title"),
    [
        ("?lang=en", "is not a page of this dashboard", "AI-infrastructure market screening"),
        ("", "找不到您開啟的網址所指的頁面", "AI 基礎設施市場篩選儀表板"),
    ],
)
def test_an_unknown_address_opens_the_app_with_a_translated_message(
    page, app_server: str, requests_seen: list[str], query: str, message: str, title: str
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_server}/overview{query}")
    wait_ready(page, title)
    main = page.locator("[data-testid=stMain]")
    assert message in main.inner_text()
    assert page.get_by_text("Page not found").count() == 0  # Streamlit's own dialog
    assert page.locator("[data-testid=stDialog]").count() == 0
    assert "/overview" not in page.url  # the address is the app's own again
    assert external(requests_seen) == []


def _no_sideways_scrollbar(page, count: int) -> None:  # type: ignore[no-untyped-def]
    sizes = page.evaluate(SCROLLERS)
    assert len(sizes) >= count, sizes
    assert all(scroll <= client for scroll, client in sizes), sizes


@pytest.mark.parametrize(
    ("path", "text", "tables"),
    [
        ("/compare?lang=en&compare=KOR,JPN,ARE,SAU,USA", "Indicators side by side", 3),
        ("/compare?compare=CHN,ARE,BIH,VCT,CAF", "指標並列", 3),
        ("/?lang=en&elig=all", "Ranked shortlist", 1),
    ],
)
def test_tables_fit_the_screen(page, app_server: str, path: str, text: str, tables: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(app_server + path)
    wait_ready(page, text)
    page.locator(TABLES).nth(tables - 1).wait_for(timeout=90_000)
    _no_sideways_scrollbar(page, tables)


def test_validation_report_fits_the_screen(page, app_server: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(app_server + "/data?lang=en")
    wait_ready(page, "Data management")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(UPLOAD))
    page.get_by_text("There are errors", exact=False).first.wait_for(timeout=90_000)
    page.wait_for_selector(READY, timeout=90_000)
    _no_sideways_scrollbar(page, 2)


def test_country_picker_finds_a_country_by_another_chinese_name(page, app_server: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(app_server + "/profile?lang=en")
    wait_ready(page, "Country profile")
    page.locator("[data-testid=stSelectbox]").first.click()
    page.keyboard.type("韓國")
    option = page.get_by_role("option").first
    option.wait_for(timeout=30_000)
    assert "South Korea" in option.inner_text() and "(KOR)" in option.inner_text()
    option.click()
    page.wait_for_function("() => location.search.includes('country=KOR')", timeout=90_000)
