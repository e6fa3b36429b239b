"""The README's security section lists every upload limit and the access rules."""

from __future__ import annotations

from pathlib import Path

from risk.upload.access import AUTH_KEYS
from risk.upload.limits import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def security_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Security\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end > 0 else None]


def test_every_upload_limit_is_listed() -> None:
    section = security_section()
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in section]
    assert not missing, f"README's security section lacks: {', '.join(missing)}"


def test_access_rules_and_reporting_are_described() -> None:
    section = security_section()
    for phrase in ("read-only for everyone", 'access = "local"', "Reporting a problem", *AUTH_KEYS):
        assert phrase in section, phrase
