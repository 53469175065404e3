# revledger developer tasks. Needs only Python 3.11+ (plus make and bash).
#
#   make demo    set up .venv, then run the env promotion and safe rollback demo
#   make test    set up .venv, then run the test suite
#
# The virtualenv is created once and reused; it is reinstalled only when
# pyproject.toml changes (the stamp file below is older than it).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.revledger-installed
DEMO_HOME ?= .revledger-demo
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo test clean distclean

help:
	@echo "make demo       set up $(VENV) and run the promote/rollback demo (data in $(DEMO_HOME)/, wiped each run)"
	@echo "make test       set up $(VENV) and run the tests (extra pytest flags: PYTEST_ARGS='-k promote')"
	@echo "make install    only set up $(VENV) (python3 -m venv + pip install -e '.[dev]')"
	@echo "make clean      remove the demo data and test caches"
	@echo "make distclean  also remove $(VENV)"

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "revledger needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) -V 2>&1). Try: make PYTHON=python3.11 ..." >&2; \
		exit 1; }
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing revledger and its dev dependencies into $(VENV) (pip install -e '.[dev]')"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

demo: $(STAMP)
	REVLEDGER=$(BIN)/revledger DEMO_HOME=$(DEMO_HOME) DEMO_SERVE=$(DEMO_SERVE) DEMO_PORT=$(DEMO_PORT) bash scripts/demo.sh

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf -- $(DEMO_HOME) .pytest_cache .hypothesis

distclean: clean
	rm -rf -- $(VENV)
