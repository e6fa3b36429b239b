"""The README's command-line section lists every command `python -m risk --help` offers."""

from __future__ import annotations

import argparse
import re

from risk.cli import build_parser
from tests.conftest import ROOT


def _commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_readme_shows_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"python -m risk ([a-z][a-z-]*)", readme))
    missing = sorted(_commands() - shown)
    assert not missing, f"README's command-line section lacks: {', '.join(missing)}"
    unknown = sorted(shown - _commands())
    assert not unknown, f"README shows commands that do not exist: {', '.join(unknown)}"
