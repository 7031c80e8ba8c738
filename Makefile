# The two set-up commands of the README: `make demo` and `make test`.
# Both create .venv and install the package into it when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The dashboard's JavaScript and CSS: from npm (package-lock.json), served by the package.
VENDOR := src/blackstart/web/static/vendor
VENDOR_FILES := node_modules/cytoscape/dist/cytoscape.min.js \
	node_modules/dagre/dist/dagre.min.js \
	node_modules/cytoscape-dagre/cytoscape-dagre.js \
	node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	node_modules/swagger-ui-dist/swagger-ui.css

VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: demo test lint install vendor bench docs clean mutants

# Python only: `make demo` needs python3 (with venv) and make, no Node.js.
$(STAMP): pyproject.toml
	@$(PY) -c 'import venv, ensurepip' 2>/dev/null || { echo "make: Python's venv module \
	is missing; on Debian: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src/blackstart >/dev/null  # as a wheel install would
	touch $(STAMP)

# The dashboard's JavaScript (browser tests, `serve`, a wheel): npm ci with
# --ignore-scripts (no install script runs: one would report to a host).
$(VENDOR_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: npm is missing (the dashboard's \
	JavaScript comes from npm); on Debian: apt-get install nodejs npm" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	for p in cytoscape cytoscape-dagre dagre swagger-ui-dist; do \
		cp node_modules/$$p/LICENSE $(VENDOR)/$$p.LICENSE; done
	touch $(VENDOR_STAMP)

vendor: $(VENDOR_STAMP)

install: $(STAMP) $(VENDOR_STAMP)

demo: $(STAMP)
	$(BIN)/blackstart demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(VENDOR_STAMP)
	$(BIN)/pytest -q

# The forecast's statistical tests must fail on each targeted mutant (about 3 min; .ci/run).
mutants: $(STAMP)
	$(BIN)/python scripts/mutants.py --jobs 2

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_impact.py

docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info node_modules $(VENDOR)
