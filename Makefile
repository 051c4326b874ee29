# surveyapp: `make run` serves the demo, `make test` runs the whole suite. Both install what
# they need first (virtualenv from the lock files, Debian packages when missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
NODE_DIR := $(VENV)/node
AXE_VERSION := 4.14.1
# WeasyPrint's native libraries (https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_DEBS := chromium wrk
BENCH_DEBS := wrk

.PHONY: run test lint audit format bench lock translations extract-messages clean system-deps

run: $(VENV)/.run-installed translations
	$(FLASK) serve

test: $(VENV)/.test-installed translations $(NODE_DIR)/node_modules/axe-core/axe.min.js
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(MAKE) --no-print-directory audit

# Known vulnerabilities in the locked versions fail; "AUDIT NOT RUN" / "AUDIT INCOMPLETE" say
# when no advisory source answered or some pins could not be checked (AUDIT_STRICT=1 fails then).
audit: | $(VENV)/bin/python
	$(BIN)/python .ci/audit_dependencies.py requirements.lock requirements-test.lock \
	  $(if $(filter 1,$(AUDIT_STRICT)),--strict)

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.test-installed translations
	@$(MAKE) --no-print-directory system-deps DEBS="$(BENCH_DEBS)"
	$(BIN)/python bench/foundation.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.lock pyproject.toml | $(VENV)/bin/python
	@$(MAKE) --no-print-directory system-deps DEBS="$(WEASYPRINT_DEBS)"
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.test-installed: requirements-test.lock pyproject.toml | $(VENV)/bin/python
	@$(MAKE) --no-print-directory system-deps DEBS="$(WEASYPRINT_DEBS) $(TEST_DEBS)"
	$(BIN)/pip install --quiet -r requirements-test.lock
	touch $@ $(VENV)/.run-installed

$(NODE_DIR)/node_modules/axe-core/axe.min.js:
	npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) axe-core@$(AXE_VERSION)

# Installs the Debian packages in DEBS that are missing (as root), or says how to.
system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; }; \
	  else \
	    echo "Missing Debian packages. Install them, then run make again:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

translations: $(VENV)/.run-installed
	@$(BIN)/pybabel compile -d surveyapp/translations

# Refresh the catalogues after changing user-facing text, then translate the new German entries.
extract-messages: $(VENV)/.run-installed
	$(BIN)/pybabel extract -F surveyapp/translations/babel.cfg -k _l -k N_ \
	  --no-location --sort-output --omit-header -o surveyapp/translations/messages.pot .
	$(BIN)/pybabel update -N --no-wrap --ignore-obsolete -i surveyapp/translations/messages.pot -d surveyapp/translations

# Re-pin the lock files after changing dependencies in pyproject.toml.
lock: | $(VENV)/bin/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile -q pyproject.toml -o requirements.lock --python-version 3.11 --no-header --annotation-style line
	$(BIN)/uv pip compile -q pyproject.toml --extra test -o requirements-test.lock --python-version 3.11 --no-header --annotation-style line

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
