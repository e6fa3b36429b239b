"""AppTest: the methodology page in both languages, and its widgets drive the diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from risk.framework import load_framework
from risk.i18n import t

ROOT = Path(__file__).resolve().parent.parent


def _page(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("app_pages/methodology.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("lang", "title", "first_preset"),
    [("zh-TW", "方法論", "均衡"), ("en", "Methodology", "Balanced")],
)
def test_methodology_page(
    lang: str, title: str, first_preset: str, datasets_dir: Path, data_dir: Path
) -> None:
    at = _page(lang)
    assert at.title[0].value == title
    framework = at.dataframe[0].value
    assert len(framework) == len(load_framework().indicators)
    top = at.dataframe[-1].value
    assert list(top.columns)[0] == first_preset and len(top) == 20
    assert any("EAR" in m.value or "D:5" in m.value for m in at.markdown)


def test_changing_the_method_rescores(datasets_dir: Path, data_dir: Path) -> None:
    at = _page("en")
    before = at.dataframe[-1].value.iloc[:, 0].tolist()
    at.selectbox(key="method_agg").set_value("geometric").run()
    at.selectbox(key="method_norm").set_value("rank").run()
    assert not at.exception
    after = at.dataframe[-1].value.iloc[:, 0].tolist()
    assert before != after
    at.selectbox(key="method_preset").set_value("cloud").run()
    captions = " ".join(c.value for c in at.caption)
    assert (
        t("scoring.preset_help.cloud", "en") in captions
        or t("scoring.preset_help.cloud", "zh-TW") in captions
    )
