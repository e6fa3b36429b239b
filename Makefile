# The README's commands. `make run` opens the dashboard; `make test` installs everything and runs the suite.
PY ?= .venv/bin/python
PORT ?= 8501

.PHONY: install run test build bench lint team

install:
	bash scripts/install.sh

run: install
	$(PY) -m ui.serve --port $(PORT) --address 127.0.0.1

test:
	bash scripts/test.sh

# Two app servers over one shared DuckLake store (PostgreSQL catalog) behind nginx; Ctrl-C stops it.
team:
	bash scripts/team.sh

build: install
	$(PY) -m risk build

bench: install
	$(PY) -m risk bench

lint:
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy
