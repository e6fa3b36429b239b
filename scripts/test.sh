#!/usr/bin/env bash
# The whole test suite: installs everything, lints, type-checks, runs pytest (unit, AppTest, browser).
# Fails when no test ran (pytest exit code 5).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --system
PY=.venv/bin/python

$PY -m ruff check .
$PY -m ruff format --check .
$PY -m mypy

set +e
$PY -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
