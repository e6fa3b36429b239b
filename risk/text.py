"""Writing values for people: Markdown-safe text and numbers in the user's language."""

from __future__ import annotations

from typing import Any

import numpy as np

from risk.present.profile import _float
from risk.upload.issues import _text

MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:")


def md_text(text: Any) -> str:
    """Plain text made safe for Streamlit markdown (headers, captions, labels): every markdown
    character is backslash-escaped, so data never becomes a link, an image or formatting."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in _text(text))


def fmt_number(value: Any, lang: str, digits: int = 3) -> str:
    """A number for people: grouped thousands, large values with the language's scale words."""
    v = _float(value)
    if np.isnan(v):
        return "–"
    scales = (
        ((1e12, "兆"), (1e8, "億"), (1e4, "萬"))
        if lang != "en"
        else ((1e12, " trillion"), (1e9, " billion"), (1e6, " million"))
    )
    for size, word in scales:
        if abs(v) >= size:
            scaled = v / size
            # never scientific notation: 1,330億, not 1.33e+03億
            return (
                f"{scaled:,.0f}" if abs(scaled) >= 10**digits else f"{scaled:.{digits}g}"
            ) + word
    if v == int(v) and abs(v) < 1e4:
        return f"{int(v):,}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}"
