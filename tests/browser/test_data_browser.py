"""The Data page in a real browser: the file widget takes a Big5 file and the report names the row."""

from __future__ import annotations

import pytest

from tests.browser.conftest import READY, ROOT, external, wait_ready

pytestmark = pytest.mark.browser
FIXTURE = ROOT / "tests" / "fixtures" / "upload" / "big5_with_error.csv"


def test_upload_shows_row_level_report(page, app_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(app_server + "/data")
    wait_ready(page, "資料管理")
    # Streamlit's own English button and size line are drawn in Chinese
    shown = page.evaluate(
        """() => [
            '[data-testid=stFileUploaderDropzone] [data-testid=stBaseButton-secondary] p',
            '[data-testid=stFileUploaderDropzoneInstructions] span',
        ].map(s => getComputedStyle(document.querySelector(s), '::after').content)"""
    )
    assert shown[0] == '"選擇檔案"' and shown[1].startswith('"每個檔案上限')
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(FIXTURE))
    page.get_by_text("有錯誤", exact=False).first.wait_for(timeout=90_000)
    page.wait_for_selector(READY, timeout=90_000)
    body = page.locator("[data-testid=stMain]").inner_text()
    assert "cp950" in body  # the legacy encoding was recognised
    assert page.get_by_role("button", name="發布為新版本").is_disabled()
    assert external(requests_seen) == []
