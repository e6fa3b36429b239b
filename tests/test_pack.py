"""The board pack: `python -m risk pack` as PowerPoint and PDF, in both languages, opened with
python-pptx and pdfium; its content as plain data; the map image."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from risk.cli import main
from risk.geo import load_geometry
from risk.paths import DATASETS_DIR
from risk.present.mapimage import WORLD, choropleth_png, region_bounds
from risk.present.pack import build_pack
from risk.scoring.engine import engine_for
from risk.share import Filters, ViewState
from risk.spec import ScoreSpec
from risk.store import open_store

AS_OF = "2026-06-30"
MIDDLE_EAST = "?lang=zh-TW&market=Middle%20East&sc=d5-in:iso3=QAT"
# (format, language, extra arguments): the Middle East view carries a scenario.
RUNS = {
    "pptx-zh": ("pptx", "zh-TW", ["--view", MIDDLE_EAST]),
    "pdf-zh": ("pdf", "zh-TW", ["--view", MIDDLE_EAST]),
    "pptx-en": ("pptx", "en", []),
    "pdf-en": ("pdf", "en", []),
}


@pytest.fixture(scope="module")
def packs(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("packs")
    files = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISK_DATA_DIR", str(out / "data"))
        for key, (fmt, lang, extra) in RUNS.items():
            path = out / f"{key}.{fmt}"
            args = ["pack", "--out", str(path), "--lang", lang, "--as-of", AS_OF, "--mc", "40"]
            assert main([*args, *extra]) == 0
            files[key] = path
    return files


def _texts(slide) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def _table_rows(slide) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = next(s for s in slide.shapes if s.has_table).table
    return [[c.text for c in row.cells] for row in table.rows]


@pytest.mark.parametrize("key", ["pptx-zh", "pptx-en"])
def test_pptx_opens_with_cover_map_table_and_one_slide_per_country(
    packs: dict[str, Path], key: str
) -> None:
    deck = Presentation(str(packs[key]))
    slides = list(deck.slides)
    cover, map_slide, table_slide = slides[:3]
    zh = key.endswith("zh")
    cover_text = _texts(cover)
    assert ("資料版本" if zh else "Data version") in cover_text
    assert AS_OF in cover_text
    assert ("均衡" if zh else "Balanced") in cover_text
    pictures = [s for s in map_slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1
    rows = _table_rows(table_slide)
    assert rows[0][0] == ("排名" if zh else "Rank")
    shortlist = [r[1] for r in rows[1:]]
    countries = slides[3 : 3 + len(shortlist)]
    for name, slide in zip(shortlist, countries, strict=True):
        text = _texts(slide)
        assert name in text
        assert ("風險" if zh else "Risks") in text and ("排名原因" if zh else "Why") in text
    if zh:
        assert {"阿聯", "沙烏地阿拉伯"} <= set(shortlist)
        assert len(slides) == 3 + len(shortlist) + 1  # the scenario summary
        assert "情境摘要" in _texts(slides[-1])
    else:
        assert len(shortlist) == 10 and len(slides) == 13
        assert "United Kingdom" in shortlist
    # Nothing on a country slide lies on top of anything else (the pillar table beside the text).
    for slide in countries:
        boxes = [(sh.left, sh.top, sh.left + sh.width, sh.top + sh.height) for sh in slide.shapes]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
                assert not overlap, (a, b)
    # Chinese is text, with the East Asian font named on every run.
    runs = [
        r
        for s in slides
        for sh in s.shapes
        if sh.has_text_frame
        for p in sh.text_frame.paragraphs
        for r in p.runs
    ]
    assert runs and all(
        r._r.rPr.find(qn("a:ea")).get("typeface") == "Microsoft JhengHei" for r in runs
    )


@pytest.mark.parametrize("key", ["pdf-zh", "pdf-en"])
def test_pdf_pages_and_chinese_text(packs: dict[str, Path], key: str) -> None:
    doc = pdfium.PdfDocument(str(packs[key]))
    try:
        texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        assert doc[1].get_textpage() is not None
    finally:
        doc.close()
    if key.endswith("zh"):
        assert "董事會簡報" in texts[0] and "資料版本" in texts[0]
        assert "阿聯" in texts[2] and "沙烏地阿拉伯" in texts[2]
        names = [t for t in texts[3:-1]]
        assert any("阿聯" in t for t in names) and any("沙烏地阿拉伯" in t for t in names)
        assert "情境摘要" in texts[-1]
    else:
        assert len(texts) == 3 + 10
        assert "United Kingdom" in texts[3] and "Why it ranks here" in texts[3]


def test_pdf_and_pptx_say_the_same(packs: dict[str, Path]) -> None:
    deck = Presentation(str(packs["pptx-zh"]))
    doc = pdfium.PdfDocument(str(packs["pdf-zh"]))
    try:
        assert len(doc) == len(deck.slides)
    finally:
        doc.close()


@pytest.fixture(scope="module")
def store(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield open_store()


def test_pack_content_follows_filters_and_top(store) -> None:  # type: ignore[no-untyped-def]
    spec = ScoreSpec.from_preset("balanced", as_of=AS_OF, mc_draws=0)
    view = ViewState(spec=spec, filters=Filters(markets=("East Asia",)), lang="en")
    pack = build_pack(engine_for(store, store.data_version), store, view, top_n=3)
    assert [r[1] for r in pack.table_rows] == ["Japan", "South Korea", "Mongolia"][
        : len(pack.table_rows)
    ]
    assert len(pack.countries) == len(pack.table_rows) <= 3
    assert ("Business region", "East Asia") in pack.settings
    assert pack.scenario is None
    assert all(part.reason for part in pack.countries)
    assert Image.open(io.BytesIO(pack.map_png)).size[0] == 1800


def test_map_image_colours_countries() -> None:
    fc = load_geometry(DATASETS_DIR / "countries.geojson")
    png = choropleth_png(fc, {"JPN": [255, 0, 0, 255]}, bounds=region_bounds(fc, {"JPN"}))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {c for _, c in image.getcolors(maxcolors=1_000_000) or []}
    assert (255, 0, 0) in colours
    assert region_bounds(fc, set()) == WORLD
    x0, y0, x1, y1 = region_bounds(fc, {"USA"})
    assert x1 - x0 < 120  # Alaska's islands across the date line do not widen the view
    assert choropleth_png(fc, {}) == choropleth_png(fc, {})
