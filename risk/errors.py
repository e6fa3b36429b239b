"""One error family: every error carries a message a user can read and, where relevant, the rows at fault."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RiskError(Exception):
    """Base error: `message` is shown to users as is; `rows` lists the offending records."""

    message: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.rows:
            return self.message
        shown = "; ".join(str(r) for r in self.rows[:10])
        more = f" (+{len(self.rows) - 10} more)" if len(self.rows) > 10 else ""
        return f"{self.message}: {shown}{more}"


class IngestError(RiskError):
    """A raw source could not be read or broke an invariant of a derived table."""


class StoreError(RiskError):
    """The DuckDB store could not be opened or queried."""


class FrameworkError(RiskError):
    """The indicator framework table is invalid."""


class SpecError(RiskError):
    """A score specification (weights, methods, date) is invalid."""


class UploadError(RiskError):
    """An uploaded file could not be read, or a report with errors was asked to be published."""


class ValidationError(UploadError):
    """Uploaded data broke a rule (row-level details in `rows`)."""


class RefreshError(RiskError):
    """A live source could not be fetched completely (offline, timeouts, bad answers)."""
