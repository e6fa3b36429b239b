"""The board pack as a multi-page PDF (reportlab), A4 landscape, one page per slide of the deck.

Text is set in the embedded TrueType CJK font the one-page brief uses (`risk.present.brief`), so
the Chinese is real, extractable text; the PDF is written in reportlab's invariant mode, so the same
pack gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from risk.i18n import t
from risk.present.brief import register_font
from risk.present.pack import Pack

ACCENT = colors.HexColor("#1f4e79")
GREY = colors.HexColor("#555555")
PAGE = landscape(A4)
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
ROWS_PER_PAGE = 14


def _p(text: str) -> str:
    """Paragraph markup for plain text (data is escaped, never markup)."""
    return escape(str(text))


def _styles(lang: str) -> dict[str, ParagraphStyle]:
    font = register_font()
    wrap = "CJK" if lang != "en" else None

    def style(name: str, size: float, color: Any = colors.black, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=font,
            fontSize=size,
            leading=size * 1.3,
            textColor=color,
            wordWrap=wrap,
            **kw,
        )

    return {
        "cover": style("cover", 26, ACCENT, spaceAfter=6),
        "title": style("title", 20, ACCENT, spaceAfter=2),
        "sub": style("sub", 11, GREY, spaceAfter=6),
        "h2": style("h2", 13, ACCENT, spaceBefore=6, spaceAfter=2),
        "body": style("body", 10.5),
        "cell": style("cell", 10),
        "head": style("head", 10, colors.white),
        "small": style("small", 7.5, GREY),
    }


def _table(
    columns: tuple[str, ...], rows: list[tuple[str, ...]], widths: list[float], st: dict[str, Any]
) -> Table:
    total = sum(widths)
    data = [[Paragraph(_p(c), st["head"]) for c in columns]]
    data += [[Paragraph(_p(v), st["cell"]) for v in row] for row in rows]
    table = Table(data, colWidths=[WIDTH * w / total for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef3f8")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, ACCENT),
            ]
        )
    )
    return table


def _legend(pack: Pack, st: dict[str, Any]) -> Table:
    cells = []
    for label, color, outline, px in pack.legend:
        # the swatch has the map's outline where the map draws one (export-controlled, too
        # little data), else a faint edge
        box = (
            ("BOX", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999"))
            if outline is None
            else ("BOX", (0, 0), (-1, -1), 0.6 * px, colors.Color(*(c / 255 for c in outline[:3])))
        )
        swatch = Table([[""]], colWidths=[4 * mm], rowHeights=[4 * mm])
        swatch.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.Color(*(c / 255 for c in color[:3]))),
                    box,
                ]
            )
        )
        cells.append([swatch, Paragraph(_p(label), st["small"])])
    per_row = 6
    rows = []
    for i in range(0, len(cells), per_row):
        chunk = cells[i : i + per_row]
        chunk += [["", ""]] * (per_row - len(chunk))
        rows.append([x for pair in chunk for x in pair])
    col = WIDTH / per_row
    table = Table(rows, colWidths=[6 * mm, col - 6 * mm] * per_row)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _story(pack: Pack) -> list[Any]:
    lang = pack.lang
    st = _styles(lang)
    story: list[Any] = [
        Paragraph(_p(pack.title), st["cover"]),
        Paragraph(_p(pack.subtitle), st["sub"]),
        Spacer(1, 4 * mm),
        _table(("", ""), [tuple(r) for r in pack.settings], [1, 3], st),
        Spacer(1, 4 * mm),
        Paragraph(_p(pack.shortlist_line), st["body"]),
        Spacer(1, 2 * mm),
        Paragraph(_p(pack.link), st["small"]),
        PageBreak(),
    ]

    reader = ImageReader(io.BytesIO(pack.map_png))
    iw, ih = reader.getSize()
    room_h = PAGE[1] - 2 * MARGIN - 40 * mm
    scale = min(WIDTH / iw, room_h / ih)
    story += [
        Paragraph(_p(pack.map_title), st["title"]),
        Paragraph(_p(pack.map_note), st["sub"]) if pack.map_note else Spacer(1, 2 * mm),
        Image(io.BytesIO(pack.map_png), width=iw * scale, height=ih * scale),
        Spacer(1, 2 * mm),
        _legend(pack, st),
        PageBreak(),
    ]

    rows = [tuple(r) for r in pack.table_rows]
    story += [Paragraph(_p(pack.table_title), st["title"]), Paragraph(_p(pack.subtitle), st["sub"])]
    if rows:
        story.append(_table(pack.table_columns, rows, [0.7, 2.6, 1.1, 1.5, 5.0], st))
    else:
        story.append(Paragraph(_p(pack.empty_note), st["body"]))

    for part in pack.countries:
        story += [
            PageBreak(),
            Paragraph(_p(part.title), st["title"]),
            Paragraph(_p(part.headline), st["sub"]),
        ]
        pillars = Table(
            [
                [
                    Paragraph(_p(label), st["cell"]),
                    Paragraph("–" if v != v else f"{v:.1f}", st["cell"]),
                ]
                for label, v in part.pillars
            ],
            colWidths=[55 * mm, 20 * mm],
        )
        pillars.setStyle(
            TableStyle(
                [
                    (
                        "ROWBACKGROUNDS",
                        (0, 0),
                        (-1, -1),
                        [colors.white, colors.HexColor("#eef3f8")],
                    ),
                    ("BOX", (0, 0), (-1, -1), 0.5, ACCENT),
                ]
            )
        )
        text: list[Any] = []
        for key, items in (
            ("why", [part.reason] if part.reason else []),
            ("risks", list(part.risks)),
            ("signals", list(part.signals)),
        ):
            if items:
                text.append(Paragraph(_p(t(f"pack.country.{key}", lang)), st["h2"]))
                text += [Paragraph("• " + _p(item), st["body"]) for item in items]
        layout = Table([[pillars, text]], colWidths=[82 * mm, WIDTH - 82 * mm])
        layout.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(layout)

    if pack.scenario is not None:
        sc = pack.scenario
        story += [
            PageBreak(),
            Paragraph(_p(sc.title), st["title"]),
            *[Paragraph(_p(line), st["sub"]) for line in sc.scenarios],
            Paragraph(_p(sc.counts), st["body"]),
            Spacer(1, 3 * mm),
            KeepTogether(_table(sc.columns, [tuple(r) for r in sc.rows], [3, 1, 1, 1], st)),
        ]
    return story


def pack_pdf(pack: Pack) -> bytes:
    """The board pack as PDF bytes."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=pack.title,
        author="AI Infra Screening",
        subject=pack.subtitle,
        invariant=1,
    )
    doc.build(_story(pack))
    return buf.getvalue()
