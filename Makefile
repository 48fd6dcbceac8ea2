# decree8: two commands on a fresh machine (Python 3.11+, Node 20+):
#   make demo    set up what is missing, then run the bundled compliance scenario on a local chain
#   make test    set up what is missing, then run the test suite
# Targets are fast when nothing is missing: set-up steps are keyed on stamp files.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-long lint bench artifacts package-check clean native audit-contracts

help:
	@echo "make demo   - run the bundled scenario (sets up .venv and node_modules if missing)"
	@echo "make test   - run the test suite (HYPOTHESIS_PROFILE=ci by default)"
	@echo "make test-long - the long property runs (marker slow, profile long)"
	@echo "make lint   - ruff, mypy, the import graph and sizes (tools/architecture.py), cargo fmt/clippy"
	@echo "make bench  - benchmarks; writes bench/results.json"
	@echo "make artifacts - rebuild the template artifacts and vendored OpenZeppelin files that ship"
	@echo "make package-check - build the wheel, install it in a fresh venv, run demo and a new project"
	@echo "make native - rebuild the Rust extension (decree8._evm) after changing native/"
	@echo "make audit-contracts - Slither over contracts/ (own venv); fails on unexplained Medium/High"

setup: $(VENV)/.stamp node_modules/.stamp

# the Rust extension (decree8._evm) is built by `pip install -e .` (setuptools-rust); optional
NATIVE := native/Cargo.toml native/Cargo.lock $(wildcard native/src/*.rs native/src/*/*.rs)

$(VENV)/.stamp: pyproject.toml $(NATIVE)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "decree8 needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test,lint]'
	@touch $@

node_modules/.stamp: package.json package-lock.json
	@command -v node >/dev/null || { echo "decree8 needs Node.js 20+ (node not found on PATH)"; exit 2; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 2)' || { echo "decree8 needs Node.js 20+, found $$(node --version)"; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(VENV)/bin/decree8 demo

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

test-long: setup
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests bench examples tools
	$(VENV)/bin/ruff format --check src tests bench examples tools
	$(VENV)/bin/mypy
	$(PY) tools/architecture.py --check > /dev/null || ($(PY) tools/architecture.py; exit 1)
	@if command -v cargo >/dev/null; then cd native && cargo fmt --check && cargo clippy --features python -- -D warnings; fi

native: $(VENV)/.stamp
	$(PIP) install --quiet --no-deps -e .

bench: setup
	$(PY) -m bench

artifacts: setup
	$(PY) -m decree8.templates.ship

package-check: setup
	bash .ci/wheel-smoke

# Slither in its own virtual environment (its dependencies stay out of .venv), over solc-js through a
# native-like `solc` shim (tools/solc-shim); see docs/audit-contracts.md.
SLITHER_VENV    ?= build/slither-venv
SLITHER_VERSION ?= 0.11.6

$(SLITHER_VENV)/.stamp-$(SLITHER_VERSION):
	@test -x $(SLITHER_VENV)/bin/python || $(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install --quiet "slither-analyzer==$(SLITHER_VERSION)"
	@touch $@

audit-contracts: node_modules/.stamp $(SLITHER_VENV)/.stamp-$(SLITHER_VERSION)
	$(SLITHER_VENV)/bin/python tools/audit_contracts.py

clean:
	rm -rf build dist .decree8 .hypothesis
