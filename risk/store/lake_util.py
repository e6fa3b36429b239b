"""DuckLake helpers: masking passwords, finding extension files, SQL literals, kinds of error."""

from __future__ import annotations

import importlib
import math
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import duckdb

from risk.errors import StoreError

_SECRET_PATTERNS = (
    re.compile(r"(password\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)", re.IGNORECASE),
    re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)"),  # postgresql://user:secret@host
)


def redact(text: str, *secrets: str) -> str:
    """Text with passwords (key=value or in a URL) and any given secret strings masked."""
    out = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "***")
    out = _SECRET_PATTERNS[0].sub(r"\1***", out)
    return _SECRET_PATTERNS[1].sub(r"\1***\3", out)


def passwords(attach: str) -> list[str]:
    """The passwords written in an attach string (to mask them wherever they are echoed)."""
    found = [m.group(2).strip("'\"") for m in _SECRET_PATTERNS[0].finditer(attach)]
    found += [m.group(2) for m in _SECRET_PATTERNS[1].finditer(attach)]
    return found


def sql_text(value: str) -> str:
    """A SQL string literal (ATTACH takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def extension_path(name: str) -> Path:
    """The extension file shipped by the `duckdb-extension-<name>` wheel for this DuckDB."""
    try:
        module = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as exc:
        raise StoreError(
            f"the DuckDB {name} extension is not installed: `pip install "
            f"duckdb-extension-{name}=={duckdb.__version__}` (see requirements.txt)"
        ) from exc
    base = Path(str(module.__file__)).parent / "extensions" / f"v{duckdb.__version__}"
    return base / f"{name}.duckdb_extension"


def postgres_scanner() -> Path:
    """The postgres extension under the name its entry point expects (a private, shared copy)."""
    source = extension_path("postgres")
    folder = Path(tempfile.gettempdir()) / f"risk-duckdb-extensions-{duckdb.__version__}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "postgres_scanner.duckdb_extension"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        tmp = folder / f".postgres_scanner.{os.getpid()}.{threading.get_ident()}"
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)  # atomic: another process may be loading it right now
    return target


def is_conflict(exc: BaseException) -> bool:
    """Another writer committed to the same rows first: worth starting the transaction again."""
    return "conflict" in str(exc).lower()


def is_unreachable(exc: BaseException) -> bool:
    """The PostgreSQL catalog cannot be reached (down, restarted, network lost)."""
    text = str(exc).lower()
    return any(
        s in text
        for s in (
            "unable to connect to postgres",
            "connection refused",
            "could not connect",
            "server closed the connection",
            "connection to server",
            "no connection to the server",
            "terminating connection",
            "ssl syscall",
            "broken pipe",
        )
    )


MIN_CLEAN_AGE_H = 1.0  # no publish takes this long


def clean_files(
    con: duckdb.DuckDBPyConnection, lake: str, older_than_hours: float, *, dry_run: bool = False
) -> list[str]:
    """Delete the lake's data files that no version needs: those DuckLake scheduled for deletion
    and those it never recorded (left by a publish that was killed half-way), older than
    `older_than_hours` (a publish in flight on another server is never that old). Returns their
    paths (what would go, with `dry_run`)."""
    if not (math.isfinite(older_than_hours) and older_than_hours >= MIN_CLEAN_AGE_H):
        raise StoreError(
            f"only files at least {MIN_CLEAN_AGE_H:g} hour old can be cleaned: a younger one may "
            "belong to a publish still in progress on another server"
        )
    seconds = int(older_than_hours * 3600)
    paths: list[str] = []
    for procedure in ("ducklake_cleanup_old_files", "ducklake_delete_orphaned_files"):
        rows = con.execute(
            f"CALL {procedure}(?, dry_run => ?, older_than => now() - to_seconds(?::BIGINT))",
            [lake, dry_run, seconds],
        ).fetchall()
        paths += [str(row[0]) for row in rows]
    return paths
