"""The one-page country brief, as PDF and PNG, in Traditional Chinese or English.

The PDF is laid out with reportlab in a TrueType CJK font that the project installs from Debian
(WenQuanYi Micro Hei, `fonts-wqy-microhei`); reportlab embeds a subset of it, so the Chinese text is
real, extractable text. Noto CJK is not used here: it is CFF-based OpenType, which reportlab
cannot embed. The PNG is the PDF's page rasterised by pdfium (pypdfium2), so both show the same
page. Everything is generated offline and depends only on the profile: the PDF is written in
reportlab's invariant mode, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd

from risk.errors import RiskError
from risk.gates import reason_label
from risk.i18n import t, unit_label
from risk.ingest.sources import SOURCES
from risk.present.profile import Profile, build_profile, buildout_summary
from risk.text import fmt_number, to_float

FORMATS: tuple[str, ...] = ("pdf", "png")
MIME = {"pdf": "application/pdf", "png": "image/png"}
FONT_NAME = "BriefCJK"
FONT_ENV = "RISK_CJK_FONT"  # path[:face index] of another TrueType CJK font
# TrueType (glyf) CJK fonts from Debian packages, first found wins.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
)
PNG_DPI = 150


@dataclass(frozen=True)
class Limits:
    """How many rows each list of the brief shows; shrunk until the brief fits on one page."""

    indicators: int = 7
    policy: int = 5
    chars: int = 150


LIMIT_STEPS: tuple[Limits, ...] = (
    Limits(),
    Limits(5, 4, 130),
    Limits(4, 3, 110),
    Limits(3, 2, 90),
    Limits(2, 1, 70),
)


def find_font() -> tuple[Path, int]:
    """The TrueType CJK font file (and face index) the brief embeds."""
    env = os.environ.get(FONT_ENV)
    if env:
        name, _, face = env.partition(":")
        if not Path(name).is_file():
            raise RiskError(f"{FONT_ENV} points to {name}, which does not exist")
        return Path(name), int(face or 0)
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return Path(path), index
    raise RiskError(
        "no TrueType CJK font found: install Debian's fonts-wqy-microhei "
        "(`bash scripts/install.sh --system`) or set RISK_CJK_FONT"
    )


def register_font() -> str:
    """Register the CJK font with reportlab once per process; returns its name."""
    # deferred: reportlab is only needed when a brief is drawn
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path, index = find_font()
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=index))
    return FONT_NAME


# -- content ---------------------------------------------------------------------------------
def _p(text: str) -> str:
    """Paragraph markup for plain text (data is escaped, never markup)."""
    return escape(str(text))


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _score(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"


def headline(profile: Profile, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs of the headline strip."""
    if profile.eligible:
        status = t("profile.eligible", lang)
    else:
        status = t("profile.ineligible", lang, reason=reason_label(profile.reason, lang))
    return [
        (t("metric.score", lang), _score(profile.score)),
        (t("col.rank", lang), profile.rank_text()),
        (t("profile.interval", lang), profile.interval_text()),
        (t("col.eligible", lang), status),
    ]


def status_lines(profile: Profile, lang: str) -> list[str]:
    """Export controls, AI Diffusion tiers, blocs and Taiwan flags, one line each."""
    undated = t("profile.undated", lang)
    ec = profile.export_controls
    live = ec[ec["in_force"]]
    groups = (
        "、".join(
            f"{r.group} ({r.effective_from or undated}"
            + (f" – {r.effective_to}" if r.effective_to else "")
            + ")"
            for r in live.itertuples()
        )
        if not live.empty
        else t("profile.none", lang)
    )
    lines = [f"{t('profile.ear_groups', lang)}: {groups}"]
    conflicts = ec[ec["role"] == "conflict"]
    if not conflicts.empty:
        lines.append(
            f"{t('profile.ear_conflicts', lang)}: " + "、".join(conflicts["group"].astype(str))
        )
    tiers = "、".join(
        t("profile.tier_span", lang, tier=r.tier, start=r.effective_from, end=r.effective_to)
        for r in profile.diffusion.itertuples()
    ) or t("profile.none", lang)
    lines.append(f"{t('profile.diffusion', lang)}: {tiers}")
    blocs = [
        t(f"bloc.{r.bloc}", lang) + (f" ({r.joined[:7]})" if r.joined else "")
        for r in profile.blocs.itertuples()
        if not r.exited
    ]
    lines.append(f"{t('profile.blocs', lang)}: " + ("、".join(blocs) or t("profile.none", lang)))
    yes, no = t("common.yes", lang), t("common.no", lang)
    flags = "; ".join(
        f"{t(f'profile.flag.{k}', lang)}: {yes if v else no}" for k, v in profile.flags.items()
    )
    lines.append(flags)
    if profile.penalty > 0:
        lines.append(t("profile.penalty", lang, points=f"{profile.penalty:g}"))
    return [_punctuate(line, lang) for line in lines]


def _punctuate(line: str, lang: str) -> str:
    """Chinese punctuation in Chinese (：；), English in English (", " for 、)."""
    if lang == "en":
        return line.replace("、", ", ")
    return line.replace(": ", "：").replace("; ", "；")


def infrastructure_line(profile: Profile, lang: str) -> str:
    """Cloud regions by provider and cable landing points, as one line."""
    cloud = profile.cloud
    if cloud.empty:
        regions = t("profile.none", lang)
    else:
        counts = cloud.groupby(["provider_origin", "provider"]).size()
        regions = ", ".join(f"{prov} {n}" for (_, prov), n in counts.items())
    return _punctuate(
        f"{t('profile.cloud', lang)} ({len(cloud)}): {regions}; "
        f"{t('profile.landings', lang)}: {len(profile.landings)}",
        lang,
    )


def region_text(profile: Profile, lang: str) -> str:
    """The region with the business region in brackets: "Asia (Middle East)", "亞洲（中東）"."""
    region = t(f"region.{profile.region}", lang) if profile.region else "–"
    if not profile.business_region:
        return region
    business = t(f"bregion.{profile.business_region}", lang)
    return f"{region} ({business})" if lang == "en" else f"{region}（{business}）"


def buildout_lines(profile: Profile, lang: str) -> list[str]:
    """The AI build-out (Epoch AI) and the US AI agreements in force, one line each."""
    if profile.clusters.empty:
        buildout = t("profile.brief.no_clusters", lang)
    else:
        buildout = buildout_summary(profile.clusters, lang, "profile.brief.buildout")
    live = profile.partnerships[profile.partnerships["in_force"].astype(bool)]
    deals = "、".join(f"{r.agreement} ({r.signed})" for r in live.itertuples())
    return [
        buildout,
        _punctuate(f"{t('profile.us_deals', lang)}: {deals or t('profile.none', lang)}", lang),
    ]


MEDIAN_PERCENTILE = 50.0


def indicator_picks(profile: Profile, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The weighted indicators where the country does best and worst (by percentile): a strength is
    at or above the median country, a weakness below it, so a high value is never listed as a
    weakness just because the country has few low ones."""
    ind = profile.indicators
    ind = ind[(ind["weight"] > 0) & ind["percentile"].notna()]
    ordered = ind.sort_values(["percentile", "contribution"], ascending=[False, False])
    best = ordered[ordered["percentile"] >= MEDIAN_PERCENTILE].head(n)
    worst = ordered[ordered["percentile"] < MEDIAN_PERCENTILE].tail(n).iloc[::-1]
    return best, worst


def with_unit(value: str, unit: str, lang: str) -> str:
    """A value and its unit: "47.8 per 100 people"; in Chinese "47.8（每百人）", except after
    symbols and counters that follow a number directly ("1.0 %／年", "622 TWh／年", "3 個")."""
    if not unit:
        return value
    if lang == "en" or (unit[0].isascii() and not unit[0].isdigit()) or unit[0] in "%個":
        return f"{value} {unit}"
    return f"{value}（{unit}）"


SHARE_UNITS = ("share of regions", "share of votes")  # 0-1 shares in the framework


def value_text(raw: Any, unit: str, lang: str) -> str:
    """An indicator's value with its unit for people; a share (unit 'share of ...') as a
    percentage: "8.33 % of regions", "8.33 %（占區域比重）"."""
    if unit.startswith("share of") and 0 <= to_float(raw) <= 1:
        pct = fmt_number(to_float(raw) * 100, lang)
        return f"{pct} %{unit[5:]}" if lang == "en" else f"{pct} %（{unit_label(unit, lang)}）"
    return with_unit(fmt_number(raw, lang), unit_label(unit, lang), lang)


def _indicator_cell(r: Any, lang: str, chars: int) -> str:
    year = "" if pd.isna(r.year) else f", {int(r.year)}"
    star = " *" if r.imputed else ""
    # the table's unit is already in the user's language; a share is told by its label
    shares = {unit_label(u, lang): u for u in SHARE_UNITS}
    if r.unit in shares:
        value = value_text(r.value, shares[r.unit], lang)
    else:
        value = with_unit(fmt_number(r.value, lang), r.unit, lang)
    cell = f"{_clip(r.indicator, chars // 2)}: {value}{year}{star} — P{r.percentile:.0f}"
    return _punctuate(cell, lang)


def policy_picks(profile: Profile, n: int) -> pd.DataFrame:
    """Entries naming the country first, then the most recent general ones."""
    pol = profile.policy
    own = pol[pol["scope"] == "country"]
    rest = pol[pol["scope"] != "country"].head(max(0, n - len(own)))
    return pd.concat([own.head(n), rest]).head(n)


# -- PDF -------------------------------------------------------------------------------------
def _story(profile: Profile, lang: str, lim: Limits) -> list[Any]:
    # deferred: reportlab is only needed when a brief is drawn
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    font = register_font()
    wrap = "CJK" if lang != "en" else None

    def style(size: float, lead: float, color: Any = colors.black, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            f"s{size}{lead}",
            fontName=font,
            fontSize=size,
            leading=lead,
            textColor=color,
            alignment=TA_LEFT,
            wordWrap=wrap,
            **kw,
        )

    grey = colors.HexColor("#555555")
    accent = colors.HexColor("#1f4e79")
    title, sub, h2 = (
        style(20, 25, accent),
        style(10.5, 14, grey),
        style(12, 16, accent, spaceBefore=5),
    )
    body, small = style(9, 12), style(7.5, 9.5, grey)
    big = style(16, 19, accent)
    width = 182 * mm
    story: list[Any] = [
        Paragraph(_p(f"{profile.name(lang)}  {profile.other_name(lang)}  ({profile.iso3})"), title),
        Paragraph(
            _p(
                t(
                    "profile.brief.subtitle",
                    lang,
                    region=region_text(profile, lang),
                    income=t(f"income.{profile.income_group}", lang)
                    if profile.income_group
                    else "–",
                    as_of=profile.as_of,
                    version=profile.data_version,
                )
            ),
            sub,
        ),
        Spacer(1, 3 * mm),
    ]
    strip = headline(profile, lang)
    cells = [
        [Paragraph(_p(label), small) for label, _ in strip],
        [Paragraph(_p(value), big if i < 3 else body) for i, (_, value) in enumerate(strip)],
    ]
    head = Table(cells, colWidths=[34 * mm, 34 * mm, 40 * mm, 74 * mm])
    head.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eef3f8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.5, accent),
            ]
        )
    )
    story += [head, Spacer(1, 3 * mm)]
    if profile.imputed_count or profile.low_coverage:
        note = t("profile.imputed_note", lang, n=profile.imputed_count)
        if profile.low_coverage:
            note += " " + t("profile.low_coverage", lang)
        story.append(Paragraph(_p(note), small))

    # Pillars against region and income-group medians, with bars.
    story.append(Paragraph(_p(t("profile.pillars", lang)), h2))
    rows = [
        [
            Paragraph(_p(x), small)
            for x in (
                "",
                profile.iso3,
                t("profile.region_median", lang),
                t("profile.income_median", lang),
                "",
            )
        ]
    ]
    for r in profile.pillars.itertuples():
        rows.append(
            [
                Paragraph(_p(t(f"metric.{r.pillar}", lang)), body),
                Paragraph(_p(_score(r.country)), body),
                Paragraph(_p(_score(r.region_median)), body),
                Paragraph(_p(_score(r.income_median)), body),
                _bar(r.country, r.region_median, r.income_median, 60 * mm),
            ]
        )
    pillars = Table(rows, colWidths=[52 * mm, 20 * mm, 25 * mm, 25 * mm, 62 * mm])
    pillars.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.4, grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    story += [pillars, Paragraph(_p(t("profile.brief.bar_legend", lang)), small)]

    story.append(Paragraph(_p(t("profile.status", lang)), h2))
    story += [Paragraph(_p(line), body) for line in status_lines(profile, lang)]
    story.append(Paragraph(_p(infrastructure_line(profile, lang)), body))
    story += [Paragraph(_p(line), body) for line in buildout_lines(profile, lang)]

    best, worst = indicator_picks(profile, lim.indicators)
    story.append(Paragraph(_p(t("profile.brief.indicators", lang)), h2))
    left = [Paragraph(_p(t("profile.brief.strengths", lang)), small)] + [
        Paragraph(_p(_indicator_cell(r, lang, lim.chars)), body) for r in best.itertuples()
    ]
    right = [Paragraph(_p(t("profile.brief.weaknesses", lang)), small)] + [
        Paragraph(_p(_indicator_cell(r, lang, lim.chars)), body) for r in worst.itertuples()
    ]
    n = max(len(left), len(right))
    left += [""] * (n - len(left))
    right += [""] * (n - len(right))
    picks = Table(list(zip(left, right, strict=True)), colWidths=[width / 2] * 2)
    picks.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ]
        )
    )
    story.append(picks)

    pol = policy_picks(profile, lim.policy)
    if not pol.empty:
        story.append(Paragraph(_p(t("profile.policy", lang)), h2))
        for r in pol.itertuples():
            story.append(Paragraph(_p(f"{r.date}  {_clip(r.event, lim.chars)}"), body))

    story += [
        Spacer(1, 2 * mm),
        Paragraph(
            _p(
                t(
                    "profile.brief.footer",
                    lang,
                    coverage=f"{profile.coverage * 100:.0f}%",
                    version=profile.data_version,
                )
            ),
            small,
        ),
        Paragraph(_p(t("profile.brief.sources", lang, sources=_sources(profile))), small),
    ]
    return story


def _sources(profile: Profile) -> str:
    """The sources behind the weighted indicators, by title and publisher (as attribution asks);
    an id the registry does not know (an uploaded source) is shown as it is."""

    ind = profile.indicators
    used = sorted(set(ind[(ind["weight"] > 0) & (ind["source"] != "")]["source"].astype(str)))
    return "; ".join(
        f"{SOURCES[s].title} ({SOURCES[s].publisher})" if s in SOURCES else s for s in used
    )


def _bar(value: float, region: float, income: float, width: float) -> Any:
    """A 0-100 bar for the country with tick marks at the region (▲) and income (●) medians."""
    # deferred: reportlab is only needed when a brief is drawn
    from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect
    from reportlab.lib import colors

    h = 9.0
    d = Drawing(width, h + 2)
    d.add(Rect(0, 2, width, h - 2, fillColor=colors.HexColor("#e6e6e6"), strokeColor=None))
    if value == value:
        d.add(
            Rect(
                0,
                2,
                width * max(0.0, min(100.0, value)) / 100,
                h - 2,
                fillColor=colors.HexColor("#2e75b6"),
                strokeColor=None,
            )
        )
    if region == region:
        x = width * region / 100
        d.add(Polygon([x - 2.5, 0, x + 2.5, 0, x, 4.5], fillColor=colors.black, strokeColor=None))
    if income == income:
        x = width * income / 100
        d.add(Line(x, 2, x, h, strokeColor=colors.HexColor("#c00000"), strokeWidth=1))
        d.add(Circle(x, h, 1.6, fillColor=colors.HexColor("#c00000"), strokeColor=None))
    return d


def _build(profile: Profile, lang: str, lim: Limits) -> tuple[bytes, int]:
    # deferred: reportlab is only needed when a brief is drawn
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{profile.name(lang)} ({profile.iso3})",
        author="AI Infra Screening",
        subject=t("profile.brief.subject", lang),
        invariant=1,
    )
    doc.build(_story(profile, lang, lim))
    return buf.getvalue(), int(doc.page)


def brief_pdf(profile: Profile, lang: str) -> bytes:
    """The brief as a one-page PDF (lists shortened until it fits)."""
    for lim in LIMIT_STEPS:
        data, pages = _build(profile, lang, lim)
        if pages == 1:
            return data
    raise RiskError(f"the brief for {profile.iso3} does not fit on one page")


def pdf_to_png(pdf: bytes, dpi: int = PNG_DPI) -> bytes:
    """The first page of a PDF as PNG (rendered by pdfium)."""
    # deferred: pypdfium2 is only needed for a PNG brief
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def brief(profile: Profile, lang: str, fmt: str) -> bytes:
    """The brief in `fmt` ("pdf" or "png")."""
    if fmt not in FORMATS:
        raise RiskError(f"unknown brief format {fmt!r}; use {' or '.join(FORMATS)}")
    pdf = brief_pdf(profile, lang)
    return pdf if fmt == "pdf" else pdf_to_png(pdf)


def brief_file_name(profile: Profile, lang: str, fmt: str) -> str:
    return f"brief_{profile.iso3}_{lang}_{profile.as_of}.{fmt}"


def country_brief(
    engine: Any,
    tables: Mapping[str, pd.DataFrame | None],
    spec: Any,
    iso3: str,
    lang: str,
    fmt: str,
) -> tuple[bytes, str]:
    """Score `spec`, build the profile of `iso3` and render its brief: (file bytes, file name).

    The download buttons and `python -m risk brief` both call this, so they give the same file.
    """

    profile = build_profile(engine.score(spec), tables, iso3, lang)
    return brief(profile, lang, fmt), brief_file_name(profile, lang, fmt)
