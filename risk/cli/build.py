"""Commands of the ingest area: `build` and `countries`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from risk.cells import csv_text
from risk.ingest.build import build
from risk.paths import DATASETS_DIR, default_shared_data
from risk.store import open_store


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("build", help="build datasets/ from the raw and curated sources")
    p.add_argument(
        "--raw", type=Path, default=None, help="raw sources folder (default ../shared/data/raw)"
    )
    p.add_argument(
        "--curated",
        type=Path,
        default=None,
        help="curated tables folder (default ../shared/data/curated)",
    )
    p.add_argument(
        "--out", type=Path, default=DATASETS_DIR, help="output folder (default datasets/)"
    )
    p.set_defaults(func=_build)

    c = sub.add_parser(
        "countries", help="list every country with its names, region and income group"
    )
    c.add_argument("--format", choices=["csv", "json", "table"], default="table")
    c.add_argument("--sovereign", action="store_true", help="sovereign countries only")
    c.set_defaults(func=_countries)


def _build(args: argparse.Namespace) -> int:

    shared = default_shared_data()
    result = build(args.raw or shared / "raw", args.curated or shared / "curated", args.out)
    print(result.summary())
    return 0


COUNTRY_COLUMNS = [
    "iso3",
    "iso2",
    "name_en",
    "name_zh_tw",
    "region",
    "subregion",
    "business_region",
    "income_group",
    "sovereign",
]


def _countries(args: argparse.Namespace) -> int:

    df = open_store().query(
        "SELECT iso3, iso2, name_en, name_zh_tw, region, subregion, business_region, income_group, "
        "sovereign FROM countries "
        "WHERE sovereign OR NOT ? ORDER BY iso3",
        [bool(args.sovereign)],
    )
    if args.format == "csv":
        sys.stdout.write(csv_text(df))
    elif args.format == "json":
        print(df.to_json(orient="records", force_ascii=False))
    else:
        print(df.to_string(index=False))
    return 0
