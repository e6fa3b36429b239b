"""The board pack as a PowerPoint deck (python-pptx), 16:9.

Every text run names its East Asian font (Microsoft JhengHei, which Windows ships; PowerPoint on a
Mac substitutes PingFang TC), so Chinese is real text in the font Taiwanese readers expect. The file
is a function of the pack: document times are the as-of date.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from risk.i18n import t
from risk.present.exports import fixed_zip_times
from risk.present.pack import Pack

EA_FONT = "Microsoft JhengHei"
LATIN_FONT = {"zh-TW": "Microsoft JhengHei", "en": "Calibri"}
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
GREY = RGBColor(0x55, 0x55, 0x55)
ROWS_PER_TABLE_SLIDE = 12
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)


def _font(
    run: Any, lang: str, size: float, bold: bool = False, color: RGBColor | None = None
) -> None:
    """Size, weight, colour and both fonts of one run (the East Asian one set in the XML, which
    python-pptx does not expose)."""
    font = run.font
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = color or RGBColor(0, 0, 0)
    font.name = LATIN_FONT.get(lang, "Calibri")
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "zh-TW" if lang != "en" else "en-US")
    rpr.set("altLang", "en-US" if lang != "en" else "zh-TW")
    for old in rpr.findall(qn("a:ea")):
        rpr.remove(old)
    ea = rpr.makeelement(qn("a:ea"), {"typeface": EA_FONT})
    latin = rpr.find(qn("a:latin"))
    latin.addnext(ea)


def _write(frame: Any, lines: list[tuple[str, float, bool, RGBColor | None]], lang: str) -> None:
    """Replace a text frame's text with `lines` (text, size, bold, colour), one paragraph each."""
    frame.clear()
    frame.word_wrap = True
    for i, (text, size, bold, color) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = text
        _font(run, lang, size, bold, color)
        para.space_after = Pt(size * 0.35)


def _textbox(slide: Any, left: int, top: int, width: int, height: int) -> Any:
    return slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height)).text_frame


def _title(slide: Any, text: str, lang: str, sub: str = "") -> None:
    lines: list[tuple[str, float, bool, RGBColor | None]] = [(text, 26, True, ACCENT)]
    if sub:
        lines.append((sub, 13, False, GREY))
    _write(_textbox(slide, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(1.0)), lines, lang)


def _table(
    slide: Any,
    columns: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    widths: list[float],
    top: int,
    lang: str,
    size: float = 12,
    width: int | None = None,
) -> Any:
    """A table at the left margin, `width` wide (default: the slide's width inside the margins),
    its columns in the proportions of `widths`."""
    width = width or SLIDE_W - 2 * MARGIN
    height = Inches(0.4) * (len(rows) + 1)
    shape = slide.shapes.add_table(
        len(rows) + 1, len(columns), Emu(MARGIN), Emu(top), Emu(width), Emu(height)
    )
    table = shape.table
    total = sum(widths)
    for i, w in enumerate(widths):
        table.columns[i].width = Emu(int(width * w / total))
    for r, values in enumerate([columns, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            color = RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else None
            _write(cell.text_frame, [(str(value), size, r == 0, color)], lang)
            cell.margin_top = cell.margin_bottom = Pt(3)
    return table


def pack_pptx(pack: Pack) -> bytes:
    """The board pack as .pptx bytes: cover, map, top-N table (split over slides when long), one
    slide per shortlisted country and the scenario summary when there is one."""
    lang = pack.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]
    stamp = datetime.fromisoformat(pack.as_of)
    prs.core_properties.title = pack.title
    prs.core_properties.author = "AI Infra Screening"
    prs.core_properties.created = stamp
    prs.core_properties.modified = stamp
    prs.core_properties.last_modified_by = "AI Infra Screening"
    prs.core_properties.revision = 1
    prs.core_properties.language = lang

    # Cover: title, data version, settings, shortlist.
    cover = prs.slides.add_slide(blank)
    _write(
        _textbox(cover, MARGIN, Inches(0.6), SLIDE_W - 2 * MARGIN, Inches(1.4)),
        [(pack.title, 32, True, ACCENT), (pack.subtitle, 16, False, GREY)],
        lang,
    )
    rows = [tuple(r) for r in pack.settings]
    _table(cover, ("", ""), rows, [1, 3], Inches(2.1), lang, size=13)
    _write(
        _textbox(
            cover,
            MARGIN,
            Inches(2.3) + Inches(0.4) * (len(rows) + 1),
            SLIDE_W - 2 * MARGIN,
            Inches(1.2),
        ),
        [(pack.shortlist_line, 14, False, None), (pack.link, 8, False, GREY)],
        lang,
    )

    # The map, with its legend as coloured squares and text.
    slide = prs.slides.add_slide(blank)
    _title(slide, pack.map_title, lang, pack.map_note)
    top, room = Inches(1.35), Inches(5.0)
    pic = slide.shapes.add_picture(io.BytesIO(pack.map_png), MARGIN, top, height=room)
    if pic.width > SLIDE_W - 2 * MARGIN:
        scale = (SLIDE_W - 2 * MARGIN) / pic.width
        pic.width, pic.height = int(pic.width * scale), int(pic.height * scale)
    pic.left = int((SLIDE_W - pic.width) / 2)
    x, y = MARGIN, top + pic.height + Inches(0.2)
    step = (SLIDE_W - 2 * MARGIN) // 6
    for i, (label, color, outline, px) in enumerate(pack.legend):
        col, row = i % 6, i // 6
        left, up = x + col * step, y + row * Inches(0.35)
        box = slide.shapes.add_shape(1, Emu(left), Emu(up + Inches(0.05)), Inches(0.2), Inches(0.2))
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(*color[:3])
        # the map's outline where it draws one (export-controlled, too little data)
        box.line.color.rgb = RGBColor(*outline[:3]) if outline else RGBColor(0x99, 0x99, 0x99)
        if outline:
            box.line.width = Pt(0.75 * px)
        _write(
            _textbox(slide, left + Inches(0.25), up, step - Inches(0.3), Inches(0.3)),
            [(label, 10, False, None)],
            lang,
        )

    # The top-N table.
    rows = [tuple(r) for r in pack.table_rows]
    chunks = [rows[i : i + ROWS_PER_TABLE_SLIDE] for i in range(0, len(rows), ROWS_PER_TABLE_SLIDE)]
    for i, chunk in enumerate(chunks or [[]]):
        slide = prs.slides.add_slide(blank)
        key = (
            pack.table_title
            if i == 0
            else pack.table_title + (" (…)" if lang == "en" else "（續）")
        )
        _title(slide, key, lang, pack.subtitle)
        if chunk:
            _table(slide, pack.table_columns, chunk, [0.7, 2.6, 1.1, 1.5, 5.0], Inches(1.4), lang)
        else:
            _write(
                _textbox(slide, MARGIN, Inches(1.5), Inches(10), Inches(1)),
                [(pack.empty_note, 16, False, None)],
                lang,
            )

    # One slide per shortlisted country.
    for part in pack.countries:
        slide = prs.slides.add_slide(blank)
        _title(slide, part.title, lang, part.headline)
        pillars = [(label, "–" if v != v else f"{v:.1f}") for label, v in part.pillars]
        header = (t("pack.country.pillars", lang), "")
        _table(slide, header, pillars, [2.2, 1], Inches(1.5), lang, size=13, width=Inches(4.0))
        left = MARGIN + Inches(4.4)
        box = _textbox(slide, left, Inches(1.45), SLIDE_W - left - MARGIN, Inches(5.6))
        lines: list[tuple[str, float, bool, RGBColor | None]] = []
        for heading, items in (
            (t("pack.country.why", lang), [part.reason] if part.reason else []),
            (t("pack.country.risks", lang), list(part.risks)),
            (t("pack.country.signals", lang), list(part.signals)),
        ):
            if items:
                lines.append((heading, 15, True, ACCENT))
                lines += [("• " + item, 12, False, None) for item in items]
        _write(box, lines, lang)

    if pack.scenario is not None:
        sc = pack.scenario
        slide = prs.slides.add_slide(blank)
        _title(slide, sc.title, lang, " | ".join(sc.scenarios))
        _write(
            _textbox(slide, MARGIN, Inches(1.35), SLIDE_W - 2 * MARGIN, Inches(0.5)),
            [(sc.counts, 14, False, None)],
            lang,
        )
        _table(
            slide,
            sc.columns,
            [tuple(r) for r in sc.rows][:ROWS_PER_TABLE_SLIDE],
            [3, 1, 1, 1],
            Inches(1.9),
            lang,
        )

    buf = io.BytesIO()
    prs.save(buf)
    return fixed_zip_times(buf.getvalue(), stamp)
