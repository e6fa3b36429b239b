"""Helpers the page tests share: open a page in AppTest, read its URL and tables, and the
description of an uploaded indicator used by the upload tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_app(
    page: str | None = None, params: dict[str, str] | None = None, timeout: float = 90
) -> AppTest:
    """The dashboard with `params` in its URL, run, then switched to `app_pages/<page>.py` (if given);
    fails on any exception."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def query(at: AppTest) -> dict[str, str]:
    """The page's URL query parameters, one value each."""
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has `column` (AppTest does not expose their keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


# A new indicator's description, as an analyst gives it with an upload.
UPLOAD_META: dict[str, str] = {
    "code": "upload.parks",
    "name_en": "AI parks",
    "name_zh": "AI 園區",
    "unit": "count",
    "pillar": "compute_demand",
    "direction": "1",
    "weight": "1",
    "source": "Ministry",
    "licence": "CC BY 4.0",
    "year": "2024",
}
