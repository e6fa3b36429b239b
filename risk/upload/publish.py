"""Publishing a validated upload as a new data version."""

from __future__ import annotations

from collections.abc import Callable

from risk.errors import UploadError
from risk.store.protocol import Store, VersionInfo
from risk.upload.metadata import catalogue_rows, framework_rows
from risk.upload.report import UploadReport


def publish_report(
    store: Store,
    report: UploadReport,
    *,
    author: str,
    note: str = "",
    action: str = "publish",
    progress: Callable[[str], None] | None = None,
) -> VersionInfo:
    """Publish a clean report as a new data version; refuse if it has errors."""
    if not report.ok:
        raise UploadError(
            f"{report.file_name} has {report.issues.count('error')} errors: fix them before publishing",
            rows=[
                {k: v for k, v in i.as_dict("en").items() if k in ("row", "column", "code")}
                for i in report.issues.of("error")[:10]
            ],
        )
    return store.publish(
        report.observations,
        author=author,
        indicators=catalogue_rows(report.metadata),
        framework=framework_rows(report.metadata),
        file_name=report.file_name,
        sha256=report.sha256,
        action=action,
        note=note,
        progress=progress,
    )
