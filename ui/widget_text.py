"""Streamlit's own widget texts in the user's language.

Streamlit draws a few texts itself, in English only: the file uploader's button and size line,
"Press Enter to apply" under a text box, and a multiselect's "Select all". It has no setting for
them, so in Chinese the built-in text is hidden and ours is drawn in its place with CSS. Only our
own translations go into the style sheet, escaped as CSS strings.
"""

from __future__ import annotations

import streamlit as st

from risk.i18n import DEFAULT_LANG, t
from risk.upload.read import UPLOAD_TYPES

# Streamlit's markup for each text (data-testid attributes are its public test hooks).
UPLOAD_BUTTON = "[data-testid=stFileUploaderDropzone] [data-testid=stBaseButton-secondary] p"
UPLOAD_LIMITS = "[data-testid=stFileUploaderDropzoneInstructions] span"
PRESS_ENTER = "[data-testid=InputInstructions] > span"
SELECT_ALL = '[role=option][data-key="__select_all__"] > div'


def css_string(text: str) -> str:
    """`text` as a quoted CSS string: quotes, backslashes and line breaks escaped, and `<` too,
    so nothing can close the surrounding <style> element."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    )
    return f'"{escaped}"'


def _replace(selector: str, text: str) -> str:
    return (
        f"{selector}{{font-size:0 !important}}"
        f"{selector}::after{{content:{css_string(text)};font-size:0.875rem}}"
    )


def widget_text_css(lang: str, max_upload_mb: int) -> str:
    """The style sheet that swaps Streamlit's English widget texts for `lang` ('' for English)."""
    if lang != DEFAULT_LANG:
        return ""
    types = "、".join(x.upper() for x in UPLOAD_TYPES)
    return "".join(
        [
            _replace(UPLOAD_BUTTON, t("widget.upload_button", lang)),
            _replace(UPLOAD_LIMITS, t("widget.upload_limits", lang, mb=max_upload_mb, types=types)),
            _replace(PRESS_ENTER, t("widget.press_enter", lang)),
            _replace(SELECT_ALL, t("widget.select_all", lang)),
        ]
    )


def localise_widgets(lang: str) -> None:
    """Add the style sheet to the page (nothing in English, Streamlit's own language)."""
    css = widget_text_css(lang, int(st.get_option("server.maxUploadSize")))
    if css:
        st.html(f"<style>{css}</style>")
