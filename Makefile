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

.PHONY: demo test lint install vendor bench docs clean mutants

$(STAMP): pyproject.toml package.json package-lock.json
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src/blackstart >/dev/null  # as a wheel install would
	$(MAKE) vendor
	touch $(STAMP)

# npm ci with --ignore-scripts: no install script runs (one would report to a host).
vendor:
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	for p in cytoscape cytoscape-dagre dagre swagger-ui-dist; do \
		cp node_modules/$$p/LICENSE $(VENDOR)/$$p.LICENSE; done

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/blackstart demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
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
