"""Streamlit's own widget texts are swapped for ours in Chinese, with only escaped CSS strings."""

from __future__ import annotations

import re

from risk.i18n import t
from ui.widget_text import css_string, widget_text_css


def test_chinese_sheet_carries_our_texts() -> None:
    css = widget_text_css("zh-TW", 200)
    for key in ("widget.upload_button", "widget.press_enter", "widget.select_all"):
        assert css_string(t(key, "zh-TW")) in css
    assert "每個檔案上限 200 MB" in css and "PARQUET" in css
    # every hidden text gets a replacement
    assert css.count("font-size:0 !important") == css.count("::after{content:") == 4


def test_english_keeps_streamlits_own_texts() -> None:
    assert widget_text_css("en", 200) == ""


def test_css_strings_cannot_break_out() -> None:
    quoted = css_string('a"b\\c</style><script>x</script>\nd')
    inner = quoted[1:-1]
    assert quoted.startswith('"') and quoted.endswith('"')
    assert "<" not in quoted
    assert not re.search(r'(?<!\\)"', inner)  # every quote inside is escaped
    assert "\\A " in inner and "\n" not in inner
