"""Profile and compare links in a real browser: a pasted link opens the same profile or comparison,
the brief downloads as a one-page PDF, hostile names stay text, and nothing leaves the machine."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.conftest import HOSTILE_NAME, READY, external, wait_ready

pytestmark = pytest.mark.browser


def test_profile_link_opens_the_profile(page, app_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(app_server + "/profile?lang=zh-TW&country=SAU")
    wait_ready(page, "沙烏地阿拉伯")
    page.get_by_text("排名 90% 區間").first.wait_for()
    page.get_by_text("所有指標").first.wait_for()
    assert "country=SAU" in page.url
    # the pillars as bars, with no chart library loaded; the trends are drawn when opened
    assert page.locator(".pillar-bars .pillar-bar").count() == 5  # the score and four pillars
    assert page.locator("[data-testid=stVegaLiteChart]").count() == 0
    assert page.locator("[data-testid=stDeckGlJsonChart]").count() == 0  # nor a map yet
    page.get_by_text("關鍵指標歷年走勢").first.click()
    page.locator("[data-testid=stVegaLiteChart]").first.wait_for(timeout=60_000)
    page.get_by_text("地圖：雲端區域與海纜登陸點").first.click()
    page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for(timeout=90_000)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_text("下載一頁簡報（PDF）").click()
    path = info.value.path()
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    assert len(reader.pages) == 1 and "沙烏地阿拉伯" in reader.pages[0].extract_text()
    page.get_by_text("回到總覽").first.click()
    wait_ready(page, "排名清單")
    assert "country=SAU" in page.url and "spec=" in page.url
    assert external(requests_seen) == []


def test_compare_link_opens_the_comparison(page, app_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.goto(app_server + "/compare?lang=en&compare=SAU,ARE,IND")
    wait_ready(page, "Why one ranks above another")
    page.get_by_text("Indicators side by side").first.wait_for()
    for name in ("Saudi Arabia", "United Arab Emirates", "India"):
        page.get_by_text(f"{name} profile").first.wait_for()
    assert "compare=SAU" in page.url.replace("%2C", ",")
    page.get_by_text("Saudi Arabia profile").first.click()
    wait_ready(page, "Every indicator")
    page.wait_for_selector(READY)
    assert "country=SAU" in page.url
    assert external(requests_seen) == []


def test_hostile_name_on_the_profile_stays_text(page, hostile_server: str) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_server + "/profile?lang=en&country=BRA")
    wait_ready(page, "Every indicator")
    assert page.locator("img[src=x]").count() == 0
    page.get_by_text(HOSTILE_NAME).first.wait_for()
    assert dialogs == []


def test_hostile_name_in_the_comparison_tables_stays_text(page, hostile_server: str) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_server + "/compare?lang=en&compare=BRA,ARG")
    wait_ready(page, "Why one ranks above another")
    cells = page.evaluate(
        "() => [...document.querySelectorAll('table.rt td')].map(td => td.textContent)"
    )
    assert HOSTILE_NAME in cells  # the summary's and the reasons' names, as text
    assert page.locator("table.rt img").count() == 0 and page.locator("img[src=x]").count() == 0
    assert dialogs == []


def _table_cells(page, column_header: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The cells of the profile's table whose header row has `column_header`: their text, or the
    address of a link."""
    cells: list[str] | None = page.evaluate(
        """(h) => {
            const t = [...document.querySelectorAll('table.rt')]
                .find(t => t.tHead.textContent.includes(h));
            return t ? [...t.tBodies[0].querySelectorAll('td')]
                .map(td => td.querySelector('a') ? td.querySelector('a').href : td.textContent)
                : null;
        }""",
        column_header,
    )
    assert cells is not None, f"no table with a {column_header!r} column"
    return cells


@pytest.mark.parametrize(
    ("lang", "heading", "size", "agreement_header"),
    [
        ("en", "AI build-out", "H100-equivalents", "Agreement"),
        ("zh-TW", "AI 算力建置", "H100 等效", "協議"),
    ],
)
def test_profile_lists_ai_clusters_and_us_agreements(  # type: ignore[no-untyped-def]
    page,
    app_server: str,
    requests_seen: list[str],
    lang: str,
    heading: str,
    size: str,
    agreement_header: str,
) -> None:
    page.set_viewport_size({"width": 1400, "height": 3200})
    page.goto(app_server + f"/profile?lang={lang}&country=ARE")
    wait_ready(page, heading)
    page.wait_for_function(
        "() => document.body.innerText.includes('Epoch AI, \\'Data on GPU Clusters\\'')",
        timeout=90_000,
    )
    clusters = _table_cells(page, size)
    assert "Stargate UAE Phase 2" in clusters and "Core42 SuperPOD" in clusters
    assert "20,262,759" in clusters  # the biggest, first
    deals = _table_cells(page, agreement_header)
    assert "US-UAE AI Acceleration Partnership" in deals and "2025-05-15" in deals
    assert "Pax Silica Declaration" in deals and "2026-01-14" in deals
    # the source links are web addresses (the first of each row's sources)
    assert any(cell.startswith("https://www.upi.com/") for cell in deals)
    assert external(requests_seen) == []
