"""What the Data page shows as plain tables and sentences: the version history and diff summaries."""

from __future__ import annotations

import pandas as pd

from risk.i18n import label_or, t


def diff_summary(diff: pd.DataFrame, lang: str) -> str:
    """One sentence counting a diff's added, removed and changed observations."""

    n = diff["change"].value_counts() if len(diff) else pd.Series(dtype=int)
    return t(
        "data.diff.summary",
        lang,
        added=int(n.get("added", 0)),
        removed=int(n.get("removed", 0)),
        changed=int(n.get("changed", 0)),
    )


VERSIONS_SHOWN = (
    "version", "current", "created_at", "author", "action", "file_name", "rows_added",
    "rows_replaced", "rows_total", "sha256", "note",
)  # fmt: skip


def versions_table(versions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The version history as the Data page shows it: actions and the system author in words,
    blanks where a version has no file, note or row counts."""

    out = versions[list(VERSIONS_SHOWN)].copy()
    out["action"] = [label_or(f"data.action.{a}", lang, a) for a in out["action"]]
    out["author"] = [label_or(f"data.author.{a}", lang, a) for a in out["author"]]
    for col in ("file_name", "sha256", "note"):
        out[col] = out[col].astype("string").fillna("")
    return out
