"""Command line for executive exports: `brief` (one-page country brief), `export` (the ranking the
overview's table shows) and `pack` (the board pack of a view)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from risk.cli.scoring import _add_spec_options, spec_from_args
from risk.errors import RiskError
from risk.i18n import LANGS
from risk.present.brief import FORMATS, country_brief
from risk.present.exports import FORMATS as EXPORT_FORMATS
from risk.present.exports import SIDECAR_SUFFIX, ranking_export
from risk.present.pack import FORMATS as PACK_FORMATS
from risk.present.pack_file import board_pack
from risk.present.profile import store_tables
from risk.scoring.engine import engine_for
from risk.share import BLOC_FILTERS, ELIGIBILITY, ViewState, view_from_link
from risk.store import open_store


def _engine_and_store() -> tuple[Any, Any]:

    store = open_store()
    return engine_for(store, store.data_version), store


def _fmt(args: argparse.Namespace, allowed: tuple[str, ...]) -> str:
    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in allowed:
        ends = " or ".join(f".{f}" for f in allowed)
        raise RiskError(f"--out must end in {ends} (or give --format), not {out.name!r}")
    return fmt


def _split(values: list[str] | None) -> tuple[str, ...]:
    items = [p.strip() for v in values or [] for p in v.split(",")]
    return tuple(dict.fromkeys(p for p in items if p))


def _known(values: tuple[str, ...], allowed: set[str], option: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise RiskError(
            f"{option}: unknown {', '.join(map(repr, bad))}; use one of {', '.join(sorted(allowed))}"
        )
    return values


def view_from_args(args: argparse.Namespace, store: Any) -> ViewState:
    """The view to export: a `--view` link (full URL, query string or `?view=<id>`), else the
    default overview with the spec options; then the filter options and `--lang` on top."""
    if args.view:
        view, _, warnings = view_from_link(store, args.view)
        for w in warnings:
            print(f"warning: link {w}", file=sys.stderr)
        # Options given explicitly override the link's spec (the preset has a default: it never
        # does).
        changes = {
            name: getattr(args, attr)
            for attr, name in (("as_of", "as_of"), ("mc", "mc_draws"), ("seed", "seed"))
            if getattr(args, attr, None) is not None
        }
        if not view.spec.data_version:
            changes["data_version"] = store.data_version
        view = view.replace(spec=view.spec.replace(**changes))
    else:
        view = ViewState(spec=spec_from_args(args).replace(data_version=store.data_version))
    filters = view.filters
    countries = store.table("countries")
    if regions := _split(args.region):
        known = set(countries["business_region"].dropna().astype(str))
        filters = replace(filters, markets=_known(regions, known, "--region"))
    if incomes := _split(args.income):
        known = set(countries["income_group"].dropna().astype(str))
        filters = replace(filters, incomes=_known(incomes, known, "--income"))
    if blocs := _split(args.bloc):
        filters = replace(filters, blocs=_known(blocs, set(BLOC_FILTERS), "--bloc"))
    if args.eligible_only:
        filters = replace(filters, eligibility="eligible")
    elif args.eligibility:
        filters = replace(filters, eligibility=args.eligibility)
    return view.replace(filters=filters, lang=args.lang or view.lang)


def cmd_brief(args: argparse.Namespace) -> int:

    fmt = _fmt(args, FORMATS)
    engine, store = _engine_and_store()
    data, _ = country_brief(
        engine, store_tables(store), spec_from_args(args), args.iso3, args.lang, fmt
    )
    out = Path(args.out)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    fmt = _fmt(args, EXPORT_FORMATS)
    engine, store = _engine_and_store()
    data, _, sidecar = ranking_export(engine, store, view_from_args(args, store), fmt)
    out = Path(args.out)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    if sidecar is not None:
        side = out.with_name(out.name + SIDECAR_SUFFIX)
        side.write_bytes(sidecar)
        print(f"wrote {side} (settings and data version)")
    return 0


def cmd_pack(args: argparse.Namespace) -> int:

    fmt = _fmt(args, PACK_FORMATS)
    engine, store = _engine_and_store()
    view = view_from_args(args, store)
    scenarios = ""
    if args.view:
        scenarios = view_from_link(store, args.view)[1].get("sc", "")
    data, _ = board_pack(engine, store, view, fmt, top_n=args.top, scenarios=scenarios)
    out = Path(args.out)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def _add_view_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--view",
        help="a dashboard link: the full URL, its query string, or ?view=<id> (a saved view)",
    )
    p.add_argument("--lang", choices=LANGS, default=None, help="default: the link's, else zh-TW")
    p.add_argument(
        "--region",
        action="append",
        help='business region(s), e.g. "Middle East" or "East Asia,Southeast Asia" (repeatable)',
    )
    p.add_argument("--income", action="append", help='income group(s), e.g. "High income"')
    p.add_argument("--bloc", action="append", help=f"bloc(s): {', '.join(BLOC_FILTERS)}")
    p.add_argument("--eligibility", choices=ELIGIBILITY, default=None, help="default: eligible")
    p.add_argument("--eligible-only", action="store_true", help="same as --eligibility eligible")
    _add_spec_options(p)


def register(subparsers: Any) -> None:
    """Add the `brief`, `export` and `pack` commands."""
    b = subparsers.add_parser("brief", help="write a one-page country brief (PDF or PNG)")
    b.add_argument("iso3", help="the country's ISO3 code, e.g. SAU")
    b.add_argument("--lang", choices=LANGS, default="zh-TW")
    b.add_argument("--out", required=True, help="FILE.pdf or FILE.png")
    b.add_argument("--format", choices=("pdf", "png"), help="default: from the file name")
    _add_spec_options(b)
    b.set_defaults(func=cmd_brief)

    e = subparsers.add_parser(
        "export",
        help="write the ranking the overview's table shows as CSV (+ settings JSON) or XLSX",
    )
    e.add_argument("--format", choices=EXPORT_FORMATS, help="default: from the file name")
    e.add_argument("--out", required=True, help="FILE.csv (also writes FILE.csv.json) or FILE.xlsx")
    _add_view_options(e)
    e.set_defaults(func=cmd_export)

    k = subparsers.add_parser("pack", help="write the board pack of a view (PowerPoint or PDF)")
    k.add_argument("--format", choices=PACK_FORMATS, help="default: from the file name")
    k.add_argument("--out", required=True, help="FILE.pptx or FILE.pdf")
    k.add_argument("--top", type=int, default=None, help="shortlist size (default: the view's, 10)")
    _add_view_options(k)
    k.set_defaults(func=cmd_pack)
