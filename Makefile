# Every target sets itself up on a bare machine: it creates .venv, upgrades pip inside it (the system pip
# backtracks for minutes on this dependency set) and installs the project, then does its job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA ?= .copilot-demo

.PHONY: setup demo test lint eval eval-report bench clean corpus docker-check

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PM Copilot needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job, offline: ingest the sample corpus into a fresh project, search it, and find its themes.
demo: $(STAMP)
	rm -rf $(DEMO_DATA)
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot ingest corpus/data --project demo
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot stats --project demo
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot search "exports are slow and time out" --project demo -k 5 --segment Enterprise
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot search "offline mode on mobile" --project demo -k 5 --diverse
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot themes --project demo --save $(DEMO_DATA)/taxonomy.yaml
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft pain-points --project demo --out $(DEMO_DATA)/pain-points.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft persona --project demo --out $(DEMO_DATA)/personas.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft swot --project demo --out $(DEMO_DATA)/swot.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft prd --project demo --topic "bulk export" --out $(DEMO_DATA)/prd.md
	@echo "Drafts and the taxonomy are in $(DEMO_DATA)/ ; try: COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot search 'your question' --project demo"

## The test suite, offline, no key: lint, format check, type check, then pytest. pytest's exit code 5 (no tests
## ran) fails like any other non-zero code.
test: lint
	$(BIN)/python -m pytest -q

## The eval suite on the sample corpus: extractive and fake, and local when llama_cpp and
## COPILOT_LOCAL_MODEL_PATH are there. (make test runs the same eval as a test, and fails on any metric below its bar.)
EVAL_PROVIDERS ?= extractive,fake$(shell test -n "$$COPILOT_LOCAL_MODEL_PATH" && $(BIN)/python -c 'import llama_cpp' 2>/dev/null && echo ,local)
eval: $(STAMP)
	COPILOT_DATA_DIR=.copilot-eval $(BIN)/copilot eval --provider $(EVAL_PROVIDERS) --out .copilot-eval/report

## Refresh the committed report of the extractive engine (docs/eval/).
eval-report: $(STAMP)
	COPILOT_DATA_DIR=.copilot-eval $(BIN)/copilot eval --provider extractive --out docs/eval

## The Docker image's install and start steps (docker/install.sh, docker/start.sh) in a fresh venv, then a request
## to /readyz: no Docker engine runs here, so this proves the same commands instead. hadolint runs in the tests.
docker-check:
	rm -rf .docker-check
	sh docker/install.sh .docker-check/venv $(CURDIR)
	VENV=.docker-check/venv COPILOT_DATA_DIR=.docker-check/data COPILOT_API_KEYS=check COPILOT_PORT=8765 \
		sh docker/start.sh > .docker-check/server.log 2>&1 & echo $$! > .docker-check/pid
	ok=1; for i in $$(seq 1 60); do if curl -sf http://127.0.0.1:8765/readyz; then ok=0; break; fi; sleep 1; done; \
		kill $$(cat .docker-check/pid); [ $$ok = 0 ] || cat .docker-check/server.log; exit $$ok

lint: $(STAMP)
	$(BIN)/ruff check copilot tests bench corpus evals
	$(BIN)/ruff format --check copilot tests bench corpus evals
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/themes_speed.py
	$(BIN)/python bench/themes_quality.py
	$(BIN)/python bench/ingest_throughput.py
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/pii_recall.py
	$(BIN)/python bench/api_chat.py
	$(BIN)/python bench/survey_report_rows.py

## Regenerate the sample corpus and its truth file (deterministic).
corpus: $(STAMP)
	$(BIN)/python corpus/generate.py
	$(BIN)/python evals/pii/make_planted.py

clean:
	rm -rf $(VENV) $(DEMO_DATA) .copilot-eval .docker-check .pytest_cache .ruff_cache bench/.work
