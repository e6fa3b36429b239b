"""Command line for executive exports: `brief` (one-page country brief) and `export` (ranking)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from risk.cli.scoring import _add_spec_options, spec_from_args
from risk.errors import RiskError
from risk.i18n import LANGS
from risk.present.brief import FORMATS, country_brief
from risk.present.exports import ranking_export
from risk.present.profile import store_tables
from risk.scoring.engine import engine_for
from risk.store.embedded import open_store


def _engine_and_store() -> tuple[Any, Any]:

    store = open_store()
    return engine_for(store, store.data_version), store


def cmd_brief(args: argparse.Namespace) -> int:

    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise RiskError(f"--out must end in .pdf or .png (or give --format), not {out.name!r}")
    engine, store = _engine_and_store()
    data, _ = country_brief(
        engine, store_tables(store), spec_from_args(args), args.iso3, args.lang, fmt
    )
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    engine, _ = _engine_and_store()
    data, _ = ranking_export(engine, spec_from_args(args), args.format)
    out = Path(args.out)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def register(subparsers: Any) -> None:
    """Add the `brief` and `export` commands."""
    b = subparsers.add_parser("brief", help="write a one-page country brief (PDF or PNG)")
    b.add_argument("iso3", help="the country's ISO3 code, e.g. SAU")
    b.add_argument("--lang", choices=LANGS, default="zh-TW")
    b.add_argument("--out", required=True, help="FILE.pdf or FILE.png")
    b.add_argument("--format", choices=("pdf", "png"), help="default: from the file name")
    _add_spec_options(b)
    b.set_defaults(func=cmd_brief)

    e = subparsers.add_parser("export", help="write the ranking as CSV or XLSX (spec included)")
    e.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    e.add_argument("--out", required=True, help="the file to write")
    _add_spec_options(e)
    e.set_defaults(func=cmd_export)
