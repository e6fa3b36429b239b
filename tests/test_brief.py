"""The one-page brief: real CJK text in the PDF, one page, PNG of the same page, and `brief`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from risk.cli import main
from risk.present.brief import (
    brief,
    country_brief,
    find_font,
    indicator_picks,
    pdf_to_png,
    value_text,
)
from risk.present.profile import build_profile, store_tables
from risk.scoring.engine import engine_for
from risk.spec import ScoreSpec
from risk.store.embedded import open_store

SPEC = ScoreSpec.from_preset("balanced", as_of="2026-01-01", mc_draws=50)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def setup(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("brief-data")))
    store = open_store()
    eng = engine_for(store, store.data_version)
    yield eng, store_tables(store), eng.score(SPEC)
    mp.undo()


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "".join(p.extract_text() for p in reader.pages)


def test_font_is_truetype() -> None:
    path, _ = find_font()
    with open(path, "rb") as fh:
        head = fh.read(4)
    # TrueType collection or TrueType outlines ('OTTO' would be CFF, which reportlab cannot embed)
    assert head in (b"ttcf", b"\x00\x01\x00\x00", b"true")


@pytest.mark.parametrize("iso3", ["SAU", "TWN", "AND", "CHN", "USA", "BRA"])
def test_zh_brief_is_one_page_with_the_chinese_name(setup, iso3: str) -> None:  # type: ignore[no-untyped-def]
    _, tables, result = setup
    profile = build_profile(result, tables, iso3, "zh-TW")
    pages, text = _text(brief(profile, "zh-TW", "pdf"))
    assert pages == 1
    assert profile.name_zh_tw in text and profile.name_en in text
    assert "綜合分數" in text


def test_en_brief(setup) -> None:  # type: ignore[no-untyped-def]
    _, tables, result = setup
    profile = build_profile(result, tables, "SAU", "en")
    pages, text = _text(brief(profile, "en", "pdf"))
    assert pages == 1 and "Saudi Arabia" in text and "沙烏地阿拉伯" in text
    assert "Index score" in text or "score" in text.lower()


def test_pdf_embeds_the_font(setup) -> None:  # type: ignore[no-untyped-def]
    _, tables, result = setup
    pdf = brief(build_profile(result, tables, "JPN", "zh-TW"), "zh-TW", "pdf")
    assert b"/FontFile2" in pdf  # an embedded TrueType font program, not a reference


def test_png_is_the_rendered_page(setup) -> None:  # type: ignore[no-untyped-def]
    _, tables, result = setup
    profile = build_profile(result, tables, "SAU", "zh-TW")
    png = brief(profile, "zh-TW", "png")
    assert png.startswith(PNG_MAGIC)
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    width, height = image.size
    assert 1.35 < height / width < 1.45  # A4 portrait
    # not blank: a good share of the page is ink
    grey = image.convert("L")
    dark = sum(grey.histogram()[:128])
    assert dark > 0.005 * width * height
    assert pdf_to_png(brief(profile, "zh-TW", "pdf")) == png


def test_brief_is_deterministic(setup) -> None:  # type: ignore[no-untyped-def]
    _, tables, result = setup
    profile = build_profile(result, tables, "SAU", "zh-TW")
    assert brief(profile, "zh-TW", "pdf") == brief(profile, "zh-TW", "pdf")


@pytest.mark.parametrize(("lang", "fmt"), [("zh-TW", "pdf"), ("en", "png")])
def test_cli_brief_gives_the_download_buttons_bytes(
    setup, tmp_path: Path, lang: str, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    eng, tables, _ = setup
    out = tmp_path / f"brief.{fmt}"
    args = ["brief", "sau", "--lang", lang, "--out", str(out), "--as-of", SPEC.as_of]
    assert main([*args, "--mc", "50"]) == 0
    data, name = country_brief(eng, tables, SPEC, "SAU", lang, fmt)
    assert out.read_bytes() == data
    assert name == f"brief_SAU_{lang}_{SPEC.as_of}.{fmt}"


def test_cli_brief_rejects_unknown_suffix_and_country(setup, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["brief", "SAU", "--out", str(tmp_path / "x.doc")]) == 2
    assert main(["brief", "XXX", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "not a scored country" in capsys.readouterr().err


def test_values_carry_their_units_in_each_language() -> None:
    from risk.present.brief import with_unit

    assert with_unit("47.8", "每百人", "zh-TW") == "47.8（每百人）"
    assert with_unit("1", "0–1 分", "zh-TW") == "1（0–1 分）"
    assert with_unit("622", "TWh／年", "zh-TW") == "622 TWh／年"
    assert with_unit("1.0", "%／年", "zh-TW") == "1.0 %／年"
    assert with_unit("47.8", "per 100 people", "en") == "47.8 per 100 people"
    assert with_unit("3", "", "en") == "3"


@pytest.mark.parametrize("iso3", ["JPN", "SAU", "ARE", "DEU", "IND", "SGP"])
def test_strengths_are_above_the_median_and_weaknesses_below(iso3: str, setup) -> None:  # type: ignore[no-untyped-def]
    _, tables, result = setup
    profile = build_profile(result, tables, iso3, "en")
    best, worst = indicator_picks(profile, 5)
    assert (best["percentile"] >= 50).all() and (worst["percentile"] < 50).all()
    assert not set(best["code"]) & set(worst["code"])


@pytest.mark.parametrize(
    ("raw", "unit", "lang", "text"),
    [
        (0.0833, "share of regions", "en", "8.33 % of regions"),
        (0.0833, "share of regions", "zh-TW", "8.33 %（占區域比重）"),
        (2.02, "months of imports", "en", "2.02 months of imports"),
        (1.39, "% per year", "en", "1.39 % per year"),
    ],
)
def test_values_read_as_people_write_them(raw: float, unit: str, lang: str, text: str) -> None:
    assert value_text(raw, unit, lang) == text
