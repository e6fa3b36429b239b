"""Command line for scoring: `score`, `explain` and `bench`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk.bench import run_all
from risk.cells import csv_text
from risk.errors import SpecError
from risk.framework import list_presets, load_framework
from risk.scoring.engine import engine_for
from risk.scoring.explain import explain
from risk.scoring.result import result_table
from risk.spec import (
    AGGREGATIONS,
    IMPUTATIONS,
    LOW_COVERAGE,
    NORMALISATIONS,
    OUTLIER_METHODS,
    SCENARIOS,
    ScoreSpec,
    parse_weights,
    today,
)
from risk.store import open_store

METHOD_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "normalisation": ("normalisation", NORMALISATIONS),
    "aggregation": ("aggregation", AGGREGATIONS),
    "imputation": ("imputation", IMPUTATIONS),
    "outliers": ("outliers", OUTLIER_METHODS),
}


def _add_spec_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="balanced", help="balanced, hardware, cloud or models")
    p.add_argument("--weights", help="pillar weights, e.g. gov=1,demand=2,alignment=1,finance=1")
    p.add_argument(
        "--method",
        action="append",
        default=[],
        help="method choices, e.g. zscore,geometric or normalisation=rank (repeatable); "
        f"normalisation {'/'.join(NORMALISATIONS)}, aggregation {'/'.join(AGGREGATIONS)}, "
        f"imputation {'/'.join(IMPUTATIONS)}, outliers {'/'.join(OUTLIER_METHODS)}",
    )
    p.add_argument("--as-of", default=None, help="date for export-control groups and data age")
    p.add_argument("--mc", type=int, default=None, help="Monte Carlo draws (default 1000)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--penalty", type=float, default=None, help="points off per D:1/D:3/D:4 group")
    p.add_argument("--scenario", choices=SCENARIOS, default=None)
    p.add_argument("--include-conflicts", action="store_true", help="apply CONFLICT rows")
    p.add_argument("--low-coverage", choices=LOW_COVERAGE, default=None)
    p.add_argument("--spec", help="a spec as JSON, a JSON file, or an s1. link string")


def _methods(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in ",".join(values).split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if sep:
            if key not in METHOD_FIELDS:
                raise SpecError(f"unknown method step {key!r}; use {', '.join(METHOD_FIELDS)}")
            out[METHOD_FIELDS[key][0]] = value
            continue
        hits = [f for f, allowed in METHOD_FIELDS.values() if item in allowed]
        if len(hits) != 1:
            raise SpecError(f"unknown or ambiguous method {item!r}")
        out[hits[0]] = item
    return out


def spec_from_args(args: argparse.Namespace) -> ScoreSpec:
    """Build the spec: a given --spec first, else the preset; then every explicit option."""
    if args.spec:
        text = args.spec
        path = Path(text)
        if not text.lstrip().startswith(("{", "s1.")) and path.exists():
            text = path.read_text(encoding="utf-8")
        spec = ScoreSpec.from_url(text) if text.startswith("s1.") else ScoreSpec.from_json(text)
    else:
        spec = ScoreSpec.from_preset(args.preset, as_of=args.as_of or today())
    changes: dict[str, Any] = _methods(args.method)
    for attr, field_name in (
        ("as_of", "as_of"),
        ("mc", "mc_draws"),
        ("seed", "seed"),
        ("penalty", "d_group_penalty"),
        ("scenario", "scenario"),
        ("low_coverage", "low_coverage"),
    ):
        value = getattr(args, attr, None)
        if value is not None:
            changes[field_name] = value
    if args.include_conflicts:
        changes["include_conflicts"] = True
    if changes:
        spec = spec.replace(**changes)
    if args.weights:
        spec = spec.with_pillar_weights(parse_weights(args.weights))
    return spec


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(r) for r in clean.to_dict("records")]


def cmd_score(args: argparse.Namespace) -> int:

    spec = spec_from_args(args)
    result = engine_for(open_store()).score(spec)
    table = result_table(result)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    fmt = args.format
    if fmt == "parquet":
        if not args.out:
            raise SpecError("--format parquet needs --out PATH")
        table.to_parquet(args.out, index=False)
        return 0
    if fmt == "json":
        text = json.dumps(
            {
                "spec": result.spec.to_dict(),
                "spec_url": result.spec.to_url(),
                "data_version": result.spec.data_version,
                "warnings": result.warnings,
                "rows": _records(table),
            },
            ensure_ascii=False,
            default=_json_default,
            indent=1,
        )
    else:
        text = csv_text(table, float_format="%.6g")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def format_explanation(iso3: str, row: pd.Series, lines: pd.DataFrame, aggregation: str) -> str:
    """A plain-text account of one score: pillar by pillar, indicator by indicator."""
    out = [
        f"{row['iso3']}  {row['name_en']} / {row['name_zh_tw']}",
        f"score {row['score']:.2f}   rank {_fmt_rank(row['rank'])}   "
        f"eligible {bool(row['eligible'])}   {('reason: ' + row['reason']) if row['reason'] else ''}",
        f"aggregation {aggregation}; weight = share of the index; contribution in score points",
        "",
        f"{'pillar':<15} {'indicator':<34} {'raw':>12} {'year':>5} {'norm':>6} "
        f"{'weight':>7} {'contrib':>8}  source",
    ]
    for _, ln in lines.iterrows():
        year = "" if pd.isna(ln["year"]) else str(int(ln["year"]))
        raw = "" if pd.isna(ln["raw"]) else f"{ln['raw']:.4g}"
        norm = "" if pd.isna(ln["normalised"]) else f"{ln['normalised']:.1f}"
        flag = "*" if ln["imputed"] else " "
        out.append(
            f"{ln['pillar']:<15} {str(ln['code'])[:34]:<34} {raw:>12} {year:>5} {norm:>6}{flag}"
            f"{ln['weight']:>7.3f} {ln['contribution']:>8.2f}  {ln['source'] or ''}"
        )
    total = float(lines["contribution"].sum())
    out += ["", f"sum of contributions {total:.4f} = score {row['score']:.4f}", "* imputed"]
    return "\n".join(out)


def _fmt_rank(value: Any) -> str:
    return "-" if pd.isna(value) else str(int(value))


def cmd_explain(args: argparse.Namespace) -> int:

    spec = spec_from_args(args).replace(mc_draws=0)
    result = engine_for(open_store()).score(spec, monte_carlo=False)
    lines = explain(result, args.iso3)
    row = result.table.set_index("iso3").loc[args.iso3.upper()]
    row["iso3"] = args.iso3.upper()
    if args.format == "csv":
        sys.stdout.write(csv_text(lines, float_format="%.6g"))
    elif args.format == "json":
        print(json.dumps(_records(lines), ensure_ascii=False, default=_json_default, indent=1))
    else:
        print(format_explanation(args.iso3, row, lines, result.spec.aggregation))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:

    print(json.dumps(run_all(args.only or None), indent=1))
    return 0


def register(subparsers: Any) -> None:
    """Add the `score`, `explain` and `bench` commands."""
    presets = ", ".join(list_presets(load_framework()))
    p = subparsers.add_parser("score", help=f"score every country (presets: {presets})")
    _add_spec_options(p)
    p.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_score)

    e = subparsers.add_parser("explain", help="show how one country's score was formed")
    e.add_argument("iso3")
    _add_spec_options(e)
    e.add_argument("--format", choices=("text", "csv", "json"), default="text")
    e.set_defaults(func=cmd_explain)

    b = subparsers.add_parser("bench", help="time the scoring engine (JSON of medians)")
    b.add_argument("--only", action="append", help="run only this registered benchmark")
    b.set_defaults(func=cmd_bench)
