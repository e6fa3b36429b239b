"""Tables the methodology page shows: the framework, presets, sources, diagnostics, top lists.

Everything is computed from the framework table, the source registry and a scored spec, so the
page, the docs and the tests describe the same method.
"""

from __future__ import annotations

import pandas as pd

from risk.framework import Framework
from risk.i18n import INDICATOR, name_column, t
from risk.ingest.sources import SOURCES
from risk.scoring.engine import ScoringEngine
from risk.scoring.explain import drivers
from risk.scoring.result import ScoreResult, result_table
from risk.scoring.robustness import correlations, drop_one
from risk.spec import ScoreSpec
from risk.text import join_items, short_label

STEPS: tuple[str, ...] = (
    "select",
    "screen",
    "impute",
    "treat",
    "normalise",
    "weight",
    "aggregate",
    "gates",
    "robustness",
)


def pillar_label(pillar: str, lang: str) -> str:
    return t(f"scoring.pillar.{pillar}", lang)


def framework_table(framework: Framework, lang: str) -> pd.DataFrame:
    """One row per indicator, labelled in `lang`."""
    ind = framework.indicators
    zh = lang != "en"
    return pd.DataFrame(
        {
            t("method.col.pillar", lang): ind["pillar"].map(lambda p: pillar_label(p, lang)),
            t("method.col.code", lang): ind["code"],
            t("method.col.name", lang): ind[name_column(lang, INDICATOR)],
            t("method.col.direction", lang): ind["direction"].map(
                lambda d: t("method.higher" if d > 0 else "method.lower", lang)
            ),
            t("method.col.transform", lang): ind["transform"].map(
                lambda x: t(f"method.transform.{x}", lang)
            ),
            t("method.col.weight", lang): ind["weight"],
            t("method.col.max_age", lang): ind["max_age_years"],
            t("method.col.min_coverage", lang): ind["min_coverage"],
            t("method.col.source", lang): ind["source"],
            t("method.col.rationale", lang): ind["rationale_zh" if zh else "rationale_en"],
        }
    )


def presets_table(framework: Framework, lang: str) -> pd.DataFrame:
    """Pillar weights (as shares) and indicator overrides of each preset."""
    rows = []
    for name, p in framework.presets.items():
        total = sum(w for _, w in p.pillar_weights)
        row: dict[str, object] = {t("method.col.preset", lang): t(f"scoring.preset.{name}", lang)}
        for pillar, w in p.pillar_weights:
            row[pillar_label(pillar, lang)] = round(w / total, 3)
        row[t("method.col.overrides", lang)] = ", ".join(
            f"{c} x{w:g}" for c, w in p.indicator_weights
        )
        rows.append(row)
    return pd.DataFrame(rows)


def sources_table(framework: Framework, lang: str) -> pd.DataFrame:
    """Every source the app uses, with its licence, whether it is open, vintage and attribution."""
    ind = framework.indicators
    yes, no = t("common.yes", lang), t("common.no", lang)
    rows = []
    for sid, s in SOURCES.items():
        codes = ", ".join(ind.loc[ind["source"] == sid, "code"])
        rows.append(
            {
                t("method.col.source", lang): s.title,
                t("method.col.open", lang): yes if s.open_licence else no,
                t("method.col.licence", lang): s.licence,
                t("method.col.publisher", lang): s.publisher,
                t("method.col.vintage", lang): s.vintage,
                t("method.col.attribution", lang): s.attribution,
                t("method.col.indicators", lang): codes or t("method.used_for_context", lang),
            }
        )
    return pd.DataFrame(rows)


def diagnostics(result: ScoreResult) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(correlation matrix, correlation flags, drop-one audit) for a scored spec."""
    corr, flags = correlations(result)
    return corr, flags, drop_one(result)


def reason_sentence(result: ScoreResult, iso3: str, lang: str) -> str:
    """One sentence on why a country ranks where it does: its strongest indicators against the
    median country, and its weakest, named in `lang`."""
    strong, weak = drivers(result, iso3)
    ind = result.prepared.framework.indicators.set_index("code")
    col = name_column(lang, INDICATOR)

    def names(codes: list[str]) -> str:
        return join_items([short_label(ind.at[c, col]) for c in codes], lang)

    parts = []
    if strong:
        parts.append(t("method.why.strong", lang, items=names(strong)))
    if weak:
        parts.append(t("method.why.weak", lang, items=names(weak)))
    return t("method.why.join", lang).join(parts) + t("method.why.end", lang) if parts else ""


def top_by_preset(
    engine: ScoringEngine, base: ScoreSpec, lang: str, n: int = 20
) -> dict[str, pd.DataFrame]:
    """The top `n` eligible countries under each preset (names in `lang`), each with its score and
    one sentence on why, so a reader can judge the list."""
    name_col = name_column(lang)
    out: dict[str, pd.DataFrame] = {}
    for preset in engine.framework.presets:
        spec = ScoreSpec.from_preset(
            preset,
            engine.framework,
            as_of=base.as_of,
            normalisation=base.normalisation,
            aggregation=base.aggregation,
            imputation=base.imputation,
            outliers=base.outliers,
            mc_draws=0,
        )
        result = engine.score(spec, monte_carlo=False)
        table = result_table(result)
        top = table[table["rank"].notna()].head(n)
        out[preset] = pd.DataFrame(
            {
                t("method.col.rank", lang): [str(int(r)) for r in top["rank"]],
                t("method.col.country", lang): top[name_col].to_numpy(),
                t("method.col.score", lang): [f"{s:.1f}" for s in top["score"]],
                t("method.col.why", lang): [reason_sentence(result, c, lang) for c in top["iso3"]],
            }
        )
    return out
