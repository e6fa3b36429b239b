"""Command line for data management: `import`, `versions`, `rollback`, `diff`, `refresh`.

Also registers the import benchmark (`python -m risk bench`): a 1,000,000-row long CSV validated
and published in a child process, timed inside the child, peak memory read from the child's
resource usage (ru_maxrss of the waited-for child: the whole process, interpreter included).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from risk.cells import csv_text
from risk.errors import RefreshError, RiskError
from risk.i18n import normalise_lang
from risk.store import open_store
from risk.upload.comtrade import (
    ComtradeKeyError,
    comtrade_message,
    parse_years,
    refresh_comtrade,
)
from risk.upload.federal_register import (
    federal_register_message,
    parse_day,
    refresh_federal_register,
)
from risk.upload.layouts import UploadOptions
from risk.upload.matching import reference_from_store
from risk.upload.metadata import read_metadata
from risk.upload.publish import publish_report
from risk.upload.refresh import refresh_worldbank
from risk.upload.validate import check_upload

EXIT_INVALID = 1  # the file has errors (nothing published)
EXIT_NO_KEY = 2  # a live source needs an API key that is missing or refused (nothing published)
EXIT_OFFLINE = 3  # a live source could not be reached (nothing published)


def default_author() -> str:
    """Who publishes from the command line: $RISK_AUTHOR, else the login name."""
    try:
        return os.environ.get("RISK_AUTHOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("import", help="validate a data file and publish it as a new data version")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="validate and report only")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--indicator", help="indicator code, for a file without an indicator column")
    p.add_argument("--year", type=int, help="year, for a file without a year column")
    p.add_argument("--meta", type=Path, help="metadata of new indicators (JSON, CSV or Excel)")
    p.add_argument(
        "--encoding",
        help="text encoding of a CSV/TSV file, overriding detection (utf-8, cp950, gb18030, "
        "shift_jis, cp1252, mac_roman, latin-1, ...)",
    )
    p.add_argument("--source", help="source recorded on every row (default upload:<file name>)")
    p.add_argument("--author", default=None, help="default $RISK_AUTHOR or the login name")
    p.add_argument("--note", default="")
    p.add_argument("--lang", default="en", help="language of messages: en or zh-TW")
    p.set_defaults(func=_import)

    p = sub.add_parser("versions", help="list data versions, newest first")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.set_defaults(func=_versions)

    p = sub.add_parser("rollback", help="make an earlier data version current again")
    p.add_argument("version")
    p.add_argument("--author", default=None)
    p.add_argument("--note", default="")
    p.set_defaults(func=_rollback)

    p = sub.add_parser("diff", help="observations that differ between two data versions")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.set_defaults(func=_diff)

    p = sub.add_parser("refresh", help="refresh a live source and publish what changed")
    p.add_argument("source", choices=["worldbank", "comtrade", "federal-register"])
    p.add_argument("--indicators", help="World Bank codes, comma-separated (default: all WDI)")
    p.add_argument(
        "--years", help="comtrade: years, e.g. 2020-2024 or 2021,2023 (default: last 5 complete)"
    )
    p.add_argument(
        "--since",
        help="federal-register: first publication date, YYYY-MM-DD (default: 2 years ago)",
    )
    p.add_argument("--until", help="federal-register: last publication date (default: today)")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--no-cache", action="store_true", help="ignore cached answers")
    p.add_argument("--author", default=None)
    p.add_argument(
        "--lang", default="en", help="comtrade, federal-register: language of messages, en or zh-TW"
    )
    p.set_defaults(func=_refresh)


def _import(args: argparse.Namespace) -> int:

    lang = normalise_lang(args.lang)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise RiskError(f"cannot read {args.file}: {exc.strerror}") from exc
    meta = read_metadata(args.meta.read_bytes(), args.meta.name) if args.meta else None
    options = UploadOptions(
        indicator=args.indicator, year=args.year, source=args.source, encoding=args.encoding
    )
    # The store is opened only for a file that passed the size checks (a refused file costs
    # nothing more than reading it).
    report = check_upload(
        data, args.file.name, lambda: reference_from_store(open_store()), options, meta
    )
    summary = report.summary(lang)
    summary["published"] = None
    if report.ok and not args.dry_run:
        version = publish_report(
            open_store(), report, author=args.author or default_author(), note=args.note
        )
        summary["published"] = version.version
    if args.format == "json":
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        _print_report(summary)
    return 0 if report.ok else EXIT_INVALID


def _print_report(s: dict[str, Any]) -> None:
    sure = "" if s["encoding_confident"] else " (not certain: try --encoding)"
    print(
        f"{s['file']}: {s['rows_read']} rows read ({s['format']}, {s['encoding']}{sure}, "
        f"{s['layout']}, header on row {s['header_row']}); "
        f"{s['rows_valid']} values for {s['countries_matched']} countries; "
        f"{s['error_count']} errors, {s['warning_count']} warnings"
    )
    for kind in ("errors", "warnings"):
        for item in s[kind][:50]:
            print(f"  {item['severity']}: {item['message']} {item['fix']}")
    if s["periods"]:
        print("  periods: " + ", ".join(f"{p['column']} -> {p['year']}" for p in s["periods"][:30]))
    if s["aggregates"]:
        print("  aggregates set aside: " + ", ".join(s["aggregates"][:30]))
    if s["unmatched"]:
        print("  not recognised: " + ", ".join(s["unmatched"][:30]))
    if s["published"]:
        print(f"published data version {s['published']}")
    elif s["ok"]:
        print("valid (dry run: nothing published)")
    else:
        print("nothing published")


def _versions(args: argparse.Namespace) -> int:

    df = open_store().versions()
    df["batches"] = df["batches"].map(lambda b: ";".join(b) if b is not None else "")
    df["created_at"] = df["created_at"].astype(str)
    if args.format == "json":
        print(df.to_json(orient="records", force_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(csv_text(df))
    else:
        cols = ["version", "current", "created_at", "author", "action", "file_name", "rows_total"]
        print(df[cols].to_string(index=False))
    return 0


def _rollback(args: argparse.Namespace) -> int:

    store = open_store()
    info = store.rollback(args.version, author=args.author or default_author(), note=args.note)
    print(f"current data version is now {info.version}")
    return 0


def _diff(args: argparse.Namespace) -> int:

    df = open_store().diff(args.a, args.b)
    if args.format == "json":
        print(df.to_json(orient="records", force_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(csv_text(df))
    else:
        counts = df["change"].value_counts().to_dict() if len(df) else {}
        print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no differences")
        if len(df):
            print(df.head(50).to_string(index=False))
    return 0


def _refresh(args: argparse.Namespace) -> int:

    if args.source == "comtrade":
        return _refresh_comtrade(args)
    if args.source == "federal-register":
        return _refresh_federal_register(args)
    codes = [c for c in (args.indicators or "").split(",") if c.strip()] or None
    try:
        result = refresh_worldbank(
            open_store(),
            codes,
            author=args.author or default_author(),
            dry_run=args.dry_run,
            max_age_s=0 if args.no_cache else 24 * 3600,
        )
    except RefreshError as exc:
        print(f"refresh failed, nothing changed: {exc}", file=sys.stderr)
        return EXIT_OFFLINE
    if result.version:
        print(
            f"fetched {result.rows_fetched} values for {len(result.indicators)} indicators; "
            f"{result.rows_changed} changed; published data version {result.version.version}"
        )
    else:
        print(
            f"fetched {result.rows_fetched} values; {result.rows_changed} differ; "
            + ("dry run: nothing published" if args.dry_run else "no new version needed")
        )
    return 0


def _refresh_comtrade(args: argparse.Namespace) -> int:
    """UN Comtrade: exit 0 when done, EXIT_NO_KEY without a usable key, EXIT_OFFLINE offline."""
    lang = normalise_lang(args.lang)
    years = parse_years(args.years)
    try:
        result = refresh_comtrade(
            open_store(),
            years,
            author=args.author or default_author(),
            dry_run=args.dry_run,
            max_age_s=0 if args.no_cache else 24 * 3600,
        )
    except ComtradeKeyError as exc:
        print(comtrade_message(exc, lang)[1], file=sys.stderr)
        return EXIT_NO_KEY
    except RefreshError as exc:
        print(comtrade_message(exc, lang)[1], file=sys.stderr)
        return EXIT_OFFLINE
    print(comtrade_message(result, lang)[1])
    return 0


def _refresh_federal_register(args: argparse.Namespace) -> int:
    """BIS documents from the Federal Register: exit 0 when done, EXIT_OFFLINE when unreachable."""
    lang = normalise_lang(args.lang)
    since, until = parse_day(args.since), parse_day(args.until)
    try:
        result = refresh_federal_register(open_store(), since, until, dry_run=args.dry_run)
    except RefreshError as exc:
        print(federal_register_message(exc, lang)[1], file=sys.stderr)
        return EXIT_OFFLINE
    print(federal_register_message(result, lang)[1])
    return 0
