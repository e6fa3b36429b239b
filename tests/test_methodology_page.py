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
    assert at.tabs[0].label == first_preset  # one tab per preset, each with its top 20 and why
    tops = [d.value for d in at.table[-4:]]
    why = t("method.col.why", lang)
    for top in tops:
        assert len(top) == 20 and top[why].str.len().gt(10).all()
    assert any("EAR" in m.value or "D:5" in m.value for m in at.markdown)


def test_changing_the_method_rescores(datasets_dir: Path, data_dir: Path) -> None:
    at = _page("en")
    hardware = at.table[-3].value.set_index("Country")
    # the largest announced build-outs are in the hardware list, and the reason names them
    assert {"United Arab Emirates", "Saudi Arabia", "South Korea"} <= set(hardware.index)
    assert "Planned AI compute" in hardware.loc["United Arab Emirates", "Why"]
    before = at.table[-1].value["Country"].tolist()
    at.selectbox(key="method_agg").set_value("geometric").run()
    at.selectbox(key="method_norm").set_value("rank").run()
    assert not at.exception
    after = at.table[-1].value["Country"].tolist()
    assert before != after
    at.selectbox(key="method_preset").set_value("cloud").run()
    captions = " ".join(c.value for c in at.caption)
    assert (
        t("scoring.preset_help.cloud", "en") in captions
        or t("scoring.preset_help.cloud", "zh-TW") in captions
    )
