"""Tables that fit the screen: how wide a text is drawn in the dashboard's tables, how wide a
page's main column is at 1440 x 900, and a layout that gives each column room for its header and
its longest cell, one column taking what is left, so a table shows whole names and headers
without a sideways scrollbar. Pages turn a `Layout` into `st.column_config` widths."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

# Pixels a page's main column gives a table at 1440 x 900 in the wide layout (measured in
# Chromium: the table's scroller is 978 pixels wide), less a few for the vertical scrollbar.
MAIN_WIDTH = 970
# The overview draws its page with less padding (its first screen holds the map and the top ten):
# its table's scroller is 1042 pixels wide.
OVERVIEW_WIDTH = 1034
CELL_PADDING = 18  # pixels a table cell adds around its text (both sides)
# Rows this tall (pixels) let long text wrap onto three lines (Streamlit wraps text in cells only
# when rows are taller than 64 pixels).
WRAP_ROW_HEIGHT = 72

# Widths (pixels) of the printable ASCII characters, space to tilde, in the tables' font (14-pixel
# Source Sans), measured in Chromium; a Chinese character is 14 pixels, anything else 7.5. Texts
# are counted 3% wider, for the odd rendering difference.
_ASCII = (
    2.8, 4.05, 5.96, 6.96, 6.96, 11.54, 8.53, 3.49, 4.24, 4.24, 5.85, 6.96, 3.49, 4.35, 3.49, 4.9,
    6.96, 6.96, 6.96, 6.96, 6.96, 6.96, 6.96, 6.96, 6.96, 6.96, 3.49, 3.49, 6.96, 6.96, 6.96, 5.95,
    11.86, 7.6, 8.23, 7.99, 8.61, 7.38, 6.92, 8.64, 9.13, 3.68, 6.71, 8.11, 6.8, 10.18, 9.06, 9.3,
    7.92, 9.3, 7.97, 7.48, 7.5, 9.03, 7.21, 11.0, 7.18, 6.66, 7.55, 4.24, 4.9, 4.24, 6.96, 7.0,
    7.59, 7.06, 7.74, 6.38, 7.77, 6.94, 4.09, 7.06, 7.62, 3.44, 3.46, 6.93, 3.57, 11.61, 7.66, 7.59,
    7.77, 7.77, 4.86, 5.87, 4.73, 7.62, 6.54, 10.07, 6.24, 6.54, 5.95, 4.24, 3.37, 4.24, 6.96,
)  # fmt: skip
_WIDE, _OTHER, _MARGIN = 14.0, 7.5, 1.03


def text_px(text: str) -> float:
    """About how many pixels `text` takes on one line of a table cell (without padding)."""
    total = 0.0
    for ch in str(text):
        if " " <= ch <= "~":
            total += _ASCII[ord(ch) - 32]
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            total += _WIDE
        else:
            total += _OTHER
    return total * _MARGIN


def column_px(texts: Iterable[object], least: int = 0) -> int:
    """The width that shows the widest of `texts` on one line, at least `least`."""
    widest = max((text_px(str(x)) for x in texts), default=0.0)
    return max(least, int(widest + CELL_PADDING + 0.999))


@dataclass(frozen=True)
class Layout:
    """A table's shown columns, in order, with their widths in pixels, and the row height (None:
    one line per row; taller rows wrap long text)."""

    widths: dict[str, int]
    row_height: int | None = None
    labels: dict[str, str] = field(default_factory=dict)  # headers in the user's language
    helps: dict[str, str] = field(default_factory=dict)  # a header's tooltip, where it is short

    @property
    def order(self) -> list[str]:
        return list(self.widths)

    @property
    def total(self) -> int:
        return sum(self.widths.values())


def fit(
    widths: dict[str, int],
    flexible: str,
    need: int,
    labels: dict[str, str],
    helps: dict[str, str] | None = None,
    total: int = MAIN_WIDTH,
) -> Layout:
    """`widths` in display order; the `flexible` column (its width there is its least) takes what
    the others leave of `total`, and rows grow so its text wraps when that is less than `need`."""
    rest = total - sum(w for c, w in widths.items() if c != flexible)
    width = max(widths[flexible], rest)
    shown = {c: (width if c == flexible else w) for c, w in widths.items()}
    return Layout(shown, WRAP_ROW_HEIGHT if width < need else None, labels, helps or {})
