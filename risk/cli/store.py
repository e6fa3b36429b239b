"""Command line for the shared store: `store migrate` (embedded file -> DuckLake), `store status` and
`store clean` (DuckLake data files no version needs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from risk.errors import StoreError
from risk.paths import data_dir
from risk.store import open_store, store_settings
from risk.store.ducklake import DuckLakeStore
from risk.store.embedded import STORE_FILE
from risk.store.migrate import migrate_from_embedded


def cmd_migrate(args: argparse.Namespace) -> int:
    """Copy the embedded store, every version and short link, into an empty DuckLake catalog."""
    attach, data_path = store_settings(args.attach, args.data_path)
    if not attach or not data_path:
        raise StoreError(
            "say where the shared store is: RISK_STORE and RISK_STORE_DATA_PATH (or --attach and "
            "--data-path)"
        )
    source = Path(args.source) if args.source else data_dir() / STORE_FILE
    store = migrate_from_embedded(
        source, attach, data_path, progress=lambda s: print(s, file=sys.stderr, flush=True)
    )
    print(
        f"copied {source} into {store.where}: {len(store.versions())} versions, "
        f"current {store.data_version}"
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Which store this process uses, and its current version."""
    store = open_store()
    kind = (
        store.where
        if isinstance(store, DuckLakeStore)
        else f"embedded file {data_dir() / STORE_FILE}"
    )
    print(
        f"store: {kind}\ncurrent version: {store.data_version}\nversions: {len(store.versions())}"
    )
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Delete the shared store's data files that no version needs (DuckLake only)."""
    store = open_store()
    if not isinstance(store, DuckLakeStore):
        print("the embedded store keeps no loose data files: nothing to clean")
        return 0
    paths = store.clean_files(args.older_than_hours, dry_run=args.dry_run)
    for path in paths:
        print(path)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {len(paths)} file(s) no version needs", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the `store` command group."""
    s = subparsers.add_parser(
        "store", help="the shared store: migrate into DuckLake, status, clean"
    )
    sub = s.add_subparsers(dest="store_command", required=True)
    m = sub.add_parser(
        "migrate", help="copy the embedded store (all versions, short links) into DuckLake"
    )
    m.add_argument(
        "--from", dest="source", help="the embedded store file (default: the data folder's)"
    )
    m.add_argument("--attach", help="DuckLake attach string (default: $RISK_STORE)")
    m.add_argument("--data-path", help="DuckLake data folder (default: $RISK_STORE_DATA_PATH)")
    m.set_defaults(func=cmd_migrate)
    st = sub.add_parser("status", help="which store is in use and its current version")
    st.set_defaults(func=cmd_status)
    c = sub.add_parser(
        "clean",
        help="delete DuckLake data files no version needs (left by a publish killed half-way, "
        "or scheduled for deletion)",
    )
    c.add_argument(
        "--older-than-hours",
        type=float,
        default=24.0,
        help="only files at least this old, 1 or more (default 24: a publish in flight on another "
        "server is never that old)",
    )
    c.add_argument("--dry-run", action="store_true", help="list the files, delete nothing")
    c.set_defaults(func=cmd_clean)
